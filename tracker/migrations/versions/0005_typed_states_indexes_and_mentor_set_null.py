"""typed states with CHECK constraints, indexes the queries use, assignments outlive their mentor

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 02:40:00

- every state, status, role and kind column accepts only its enum's values (CHECK constraints);
- single-column indexes that repeat the first column of a composite unique constraint are dropped;
  progress_event and notification get (user_id, created_at), which every reader of them asks for;
- assignment.mentor_id is nullable with ON DELETE SET NULL: deleting a mentor no longer deletes the
  assignments (and so the history) of their mentees.

The downgrade puts the old indexes and the CASCADE back, but leaves mentor_id nullable: an
assignment whose mentor is gone is kept rather than deleted.
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CHECKS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    # table: [(constraint, column, values)]
    "user": [("ck_user_role", "role", ("learner", "mentor", "admin"))],
    "learning_path": [("ck_learning_path_status", "status", ("draft", "published", "archived"))],
    "path_version": [("ck_path_version_status", "status", ("draft", "published", "archived"))],
    "progress": [("ck_progress_state", "state", ("not_started", "in_progress", "done", "skipped"))],
    "progress_event": [("ck_progress_event_state", "state", ("not_started", "in_progress", "done", "skipped"))],
    "mentorship": [("ck_mentorship_status", "status", ("invited", "active", "declined"))],
    "notification": [("ck_notification_kind", "kind", ("invitation", "assigned", "reply", "due_soon", "overdue"))],
}
# (table, index, columns) that repeat the leading column of a unique constraint, or that no query uses alone.
DROPPED_INDEXES = [
    ("path_section", "ix_path_section_path_id", ["path_id"]),
    ("path_item", "ix_path_item_section_id", ["section_id"]),
    ("progress", "ix_progress_user_id", ["user_id"]),
    ("mentorship", "ix_mentorship_mentor_id", ["mentor_id"]),
    ("assignment", "ix_assignment_learner_id", ["learner_id"]),
    ("note", "ix_note_user_id", ["user_id"]),
    ("notification", "ix_notification_user_id", ["user_id"]),
    ("notification", "ix_notification_created_at", ["created_at"]),
    ("path_version", "ix_path_version_path_id", ["path_id"]),
    ("progress_event", "ix_progress_event_user_id", ["user_id"]),
    ("progress_event", "ix_progress_event_created_at", ["created_at"]),
]
NEW_INDEXES = [
    ("progress_event", "ix_progress_event_user_id_created_at", ["user_id", "created_at"]),
    ("notification", "ix_notification_user_id_created_at", ["user_id", "created_at"]),
]
# SQLite's foreign keys have no names; batch mode finds this one through a naming convention.
SQLITE_FK = "fk_assignment_mentor_id_user"
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
POSTGRES_FK = "assignment_mentor_id_fkey"


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _mentor_fk(*, ondelete: str, nullable: bool | None) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    name = SQLITE_FK if sqlite else POSTGRES_FK
    with op.batch_alter_table("assignment", naming_convention=NAMING if sqlite else None) as batch_op:
        batch_op.drop_constraint(name, type_="foreignkey")
        batch_op.create_foreign_key(name, "user", ["mentor_id"], ["id"], ondelete=ondelete)
        if nullable is not None:
            batch_op.alter_column("mentor_id", existing_type=sa.Integer(), nullable=nullable)


def upgrade() -> None:
    for table, index, _ in DROPPED_INDEXES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(index)
    for table, index, columns in NEW_INDEXES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(index, columns, unique=False)
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for name, column, values in checks:
                batch_op.create_check_constraint(name, _condition(column, values))
    _mentor_fk(ondelete="SET NULL", nullable=True)


def downgrade() -> None:
    _mentor_fk(ondelete="CASCADE", nullable=None)
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for name, _, _ in checks:
                batch_op.drop_constraint(name, type_="check")
    for table, index, _ in NEW_INDEXES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(index)
    for table, index, columns in DROPPED_INDEXES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_index(index, columns, unique=False)
