"""credentials status list and records kept

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 20:30:00

- credential.status_index: each credential's bit in the published revocation status list (a W3C Bitstring
  Status List). Unique; new credentials take their row's id at issue, and existing ones get theirs here, so
  their revocations show in the list too (the credentials signed before name no bit, but the list covers
  them all the same).
- credential.holder_deleted_at: when the learner deleted their account.
- credential.user_id becomes nullable with ON DELETE SET NULL (was CASCADE): deleting an account keeps its
  credentials as status-only records (no user, no JWT), so a credential the learner shared still verifies and
  its revocation bit stays published.

Downgrading deletes the status-only records (they have no learner, which the older schema requires), restores
ON DELETE CASCADE with user_id required, and drops both columns.
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# SQLite's foreign keys have no names; batch mode finds this one through a naming convention.
SQLITE_FK = "fk_credential_user_id_user"
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
POSTGRES_FK = "credential_user_id_fkey"
UNIQUE = "uq_credential_status_index"


def _user_fk(*, ondelete: str, nullable: bool) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    name = SQLITE_FK if sqlite else POSTGRES_FK
    with op.batch_alter_table("credential", naming_convention=NAMING if sqlite else None) as batch_op:
        batch_op.drop_constraint(name, type_="foreignkey")
        batch_op.create_foreign_key(name, "user", ["user_id"], ["id"], ondelete=ondelete)
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("credential") as batch_op:
        batch_op.add_column(sa.Column("status_index", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("holder_deleted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.execute("UPDATE credential SET status_index = id")
    with op.batch_alter_table("credential") as batch_op:
        batch_op.create_unique_constraint(UNIQUE, ["status_index"])
    _user_fk(ondelete="SET NULL", nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM credential WHERE user_id IS NULL")
    _user_fk(ondelete="CASCADE", nullable=False)
    with op.batch_alter_table("credential") as batch_op:
        batch_op.drop_constraint(UNIQUE, type_="unique")
        batch_op.drop_column("holder_deleted_at")
        batch_op.drop_column("status_index")
