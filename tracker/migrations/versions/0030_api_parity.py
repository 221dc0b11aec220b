"""api parity: an admin scope for API tokens

- api_token.scope may be "admin" as well as "read" and "write": a read-write token that may also call the admin
  endpoints (/api/v1/admin/..., and the admin-only path, catalog and mentorship endpoints), and only while its
  owner is an admin. A "write" token no longer opens the admin endpoints, so an admin can make a token for a
  script that cannot manage users.
- Every working or past "write" token of a user who is an admin now becomes "admin": what those tokens could do
  before, they still can.

The downgrade turns "admin" tokens back into "write" ones (which then open the admin endpoints again, as before).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 23:45:00
"""
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

OLD = ("read", "write")
NEW = (*OLD, "admin")


def _condition(values: tuple[str, ...]) -> str:
    return f"scope IN ({', '.join(repr(v) for v in values)})"


def _replace_check(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("api_token") as batch_op:
        batch_op.drop_constraint("ck_api_token_scope", type_="check")
        batch_op.create_check_constraint("ck_api_token_scope", _condition(values))


def upgrade() -> None:
    _replace_check(NEW)
    op.execute("UPDATE api_token SET scope = 'admin' WHERE scope = 'write' AND user_id IN "
               "(SELECT id FROM \"user\" WHERE role = 'admin')")


def downgrade() -> None:
    op.execute("UPDATE api_token SET scope = 'write' WHERE scope = 'admin'")
    _replace_check(OLD)
