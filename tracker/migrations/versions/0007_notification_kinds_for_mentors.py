"""notification kinds for mentors (shared notes, finished, behind, overdue) and for changed assignments

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 05:15:00

The downgrade folds the new kinds into the nearest older one (the message, link and read state are
kept): shared_note -> reply, assignment_changed and mentee_finished -> assigned, mentee_behind ->
due_soon, mentee_overdue -> overdue.
"""
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OLD = ("invitation", "assigned", "reply", "due_soon", "overdue")
NEW = (*OLD, "assignment_changed", "shared_note", "mentee_finished", "mentee_behind", "mentee_overdue")
FOLDED = {"shared_note": "reply", "assignment_changed": "assigned", "mentee_finished": "assigned",
          "mentee_behind": "due_soon", "mentee_overdue": "overdue"}


def _condition(values: tuple[str, ...]) -> str:
    return f"kind IN ({', '.join(repr(v) for v in values)})"


def _replace_check(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("notification") as batch_op:
        batch_op.drop_constraint("ck_notification_kind", type_="check")
        batch_op.create_check_constraint("ck_notification_kind", _condition(values))


def upgrade() -> None:
    _replace_check(NEW)


def downgrade() -> None:
    for new, old in FOLDED.items():
        op.execute(f"UPDATE notification SET kind = '{old}' WHERE kind = '{new}'")
    _replace_check(OLD)
