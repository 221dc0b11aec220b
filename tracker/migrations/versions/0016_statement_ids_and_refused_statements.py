"""statement ids and registrations stored, refused statements discarded, credentials re-granted

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 20:30:00

- progress_event.statement_id: the event's xAPI statement id, drawn at random when the event is written.
  It was derived from the event's id, which SQLite hands out again after an account is deleted, so a new
  learner's statements took a deleted learner's ids and the LRS refused them for good. Events already in the
  outbox keep the id their queued statement has (nothing sent goes again under another id); the others get a
  random UUID, in one UPDATE per dialect (no row goes through Python, so a million events is one statement).
- path_follow.registration: the xAPI `context.registration` of the enrollment (a random UUID per follow);
  progress_event.registration: the enrollment's registration when a change was made on a followed path
  (filled from the follows that stand).
- xapi_outbox.refused_at: when the LRS refused the statement (4xx), so admins can list what it refuses;
  xapi_outbox.discarded_at: a refused statement an admin set aside for good (kept, never sent). Statements
  refused before this revision are found again at their next try.
- credential.statement_id: the id of the credential's `completed` statement, new at each re-grant; left
  empty for credentials issued before (their id stays the one derived from the credential's public id).
- security_event.kind: `credential_regranted` and `statement_discarded`.

The downgrade drops the columns (events fall back to ids derived from their row ids; a discarded statement
waits in the outbox again, its next try set to the far future so it is not sent); the two new kinds of
security event are folded into `access_refused`, their kind kept at the front of the detail.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

OLD_KINDS = ("signed_up", "setup", "sign_in", "sign_in_failed", "sign_in_refused_inactive", "throttled",
             "sign_out", "session_ended", "signed_out_everywhere", "password_changed", "temporary_password_set",
             "role_changed", "deactivated", "reactivated", "token_created", "token_revoked", "access_refused")
NEW_KINDS = (*OLD_KINDS, "credential_regranted", "statement_discarded")
UUID_TEXT = sqlmodel.sql.sqltypes.AutoString(length=36)


def _random_uuid() -> str:
    """SQL for a random (version 4) UUID as text, evaluated once per row."""
    if op.get_bind().dialect.name == "postgresql":
        return "gen_random_uuid()::text"
    return ("lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' "
            "|| substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' "
            "|| hex(randomblob(6)))")


def _replace_kinds(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("security_event") as batch_op:
        batch_op.drop_constraint("ck_security_event_kind", type_="check")
        batch_op.create_check_constraint("ck_security_event_kind",
                                         f"kind IN ({', '.join(repr(v) for v in values)})")


def upgrade() -> None:
    with op.batch_alter_table('progress_event') as batch_op:
        batch_op.add_column(sa.Column('statement_id', UUID_TEXT, nullable=True))
        batch_op.add_column(sa.Column('registration', UUID_TEXT, nullable=True))
    with op.batch_alter_table('path_follow') as batch_op:
        batch_op.add_column(sa.Column('registration', UUID_TEXT, nullable=True))
    with op.batch_alter_table('xapi_outbox') as batch_op:
        batch_op.add_column(sa.Column('refused_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('discarded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_xapi_outbox_refused_at', ['refused_at'], unique=False)
    with op.batch_alter_table('credential') as batch_op:
        batch_op.add_column(sa.Column('statement_id', UUID_TEXT, nullable=True))

    op.execute(f"UPDATE path_follow SET registration = {_random_uuid()}")
    # Queued events keep the id their statement was (or is being) sent under.
    op.execute("UPDATE progress_event SET statement_id = (SELECT o.statement_id FROM xapi_outbox o "
               "WHERE o.event_id = progress_event.id AND o.user_id = progress_event.user_id)")
    op.execute(f"UPDATE progress_event SET statement_id = {_random_uuid()} WHERE statement_id IS NULL")
    op.execute("UPDATE progress_event SET registration = (SELECT f.registration FROM path_follow f "
               "WHERE f.user_id = progress_event.user_id AND f.path_id = progress_event.path_id) "
               "WHERE path_id IS NOT NULL")

    with op.batch_alter_table('progress_event') as batch_op:
        batch_op.alter_column('statement_id', existing_type=UUID_TEXT, nullable=False)
        batch_op.create_unique_constraint('uq_progress_event_statement_id', ['statement_id'])
    with op.batch_alter_table('path_follow') as batch_op:
        batch_op.alter_column('registration', existing_type=UUID_TEXT, nullable=False)
    _replace_kinds(NEW_KINDS)


def downgrade() -> None:
    for kind in ("credential_regranted", "statement_discarded"):
        op.execute(f"UPDATE security_event SET kind = 'access_refused', "
                   f"detail = substr('{kind}: ' || detail, 1, 300) WHERE kind = '{kind}'")
    _replace_kinds(OLD_KINDS)
    outbox = sa.table('xapi_outbox', sa.column('discarded_at', sqlmodel.sql.sqltypes.UTCDateTime()),
                      sa.column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime()))
    op.execute(outbox.update().where(outbox.c.discarded_at.is_not(None))
               .values(next_attempt_at=datetime(9999, 1, 1, tzinfo=UTC)))
    with op.batch_alter_table('credential') as batch_op:
        batch_op.drop_column('statement_id')
    with op.batch_alter_table('xapi_outbox') as batch_op:
        batch_op.drop_index('ix_xapi_outbox_refused_at')
        batch_op.drop_column('discarded_at')
        batch_op.drop_column('refused_at')
    with op.batch_alter_table('path_follow') as batch_op:
        batch_op.drop_column('registration')
    with op.batch_alter_table('progress_event') as batch_op:
        batch_op.drop_constraint('uq_progress_event_statement_id', type_='unique')
        batch_op.drop_column('registration')
        batch_op.drop_column('statement_id')
