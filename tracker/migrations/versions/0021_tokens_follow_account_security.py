"""tokens follow account security

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-05 21:00:00

Personal API tokens now end with the account's security: a password change, signing out everywhere, an
administrator's temporary password and deactivation revoke every token of the account (before, the first
two left tokens working and the last two only paused them until the account was back).

- security_event.kind: `tokens_revoked`, one event per revocation of all of an account's tokens, saying how
  many and why. BEFORE is the list of kinds this revision finds, ADDED what it adds.
- api_token.revoked_at: tokens that were only paused are revoked now, as they would have been under the new
  rule: those of deactivated accounts, and of accounts waiting to replace an administrator's temporary
  password (both meant someone else may have held the account).

The downgrade folds `tokens_revoked` events into `token_revoked`, their kind kept at the front of the detail;
the tokens revoked by the upgrade stay revoked (a revoked token is never brought back).
"""

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0021'
down_revision = '0019'
branch_labels = None
depends_on = None

BEFORE = ("signed_up", "setup", "sign_in", "sign_in_failed", "sign_in_refused_inactive", "throttled",
          "sign_out", "session_ended", "signed_out_everywhere", "password_changed", "temporary_password_set",
          "role_changed", "deactivated", "reactivated", "token_created", "token_revoked", "access_refused",
          "credential_regranted", "statement_discarded")
ADDED = ("tokens_revoked",)


def _replace_kinds(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("security_event") as batch_op:
        batch_op.drop_constraint("ck_security_event_kind", type_="check")
        batch_op.create_check_constraint("ck_security_event_kind",
                                         f"kind IN ({', '.join(repr(v) for v in values)})")


def upgrade() -> None:
    _replace_kinds((*BEFORE, *ADDED))
    token = sa.table("api_token", sa.column("user_id", sa.Integer()),
                     sa.column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime()))
    user = sa.table("user", sa.column("id", sa.Integer()), sa.column("is_active", sa.Boolean()),
                    sa.column("must_change_password", sa.Boolean()))
    held_by_others = sa.select(user.c.id).where(sa.or_(user.c.is_active.is_(False),
                                                       user.c.must_change_password.is_(True)))
    op.execute(token.update().where(token.c.revoked_at.is_(None), token.c.user_id.in_(held_by_others))
               .values(revoked_at=datetime.now(UTC)))


def downgrade() -> None:
    for kind in ADDED:
        op.execute(f"UPDATE security_event SET kind = 'token_revoked', "
                   f"detail = substr('{kind}: ' || detail, 1, 300) WHERE kind = '{kind}'")
    _replace_kinds(BEFORE)
