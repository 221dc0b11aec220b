"""scim provisioning

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 23:45:00

Accounts provisioned by an identity provider over SCIM 2.0 (/scim/v2).

- user.username: up to 64 characters (was 32), as identity providers name accounts by email address; names
  chosen on the sign-up form keep their 3–32 rule.
- user.external_id: the provisioning client's id for the account (SCIM externalId), unique when set.
- user.provisioned: made over SCIM (the account signs in through the identity provider; its password is
  unusable).
- user.email_type: what the client calls the address (work, home, other), given back as it was sent.
- user.version and user.updated_at: renewed by every provisioning change (the SCIM ETag and lastModified).
- user.deprovisioned_at: deleted over SCIM while TRACKER_SCIM_DELETE=deactivate: the account is kept,
  deactivated, with its data, and SCIM no longer shows it (provisioning the same userName again brings it back).
- scim_token: the provisioning clients' bearer tokens, stored as SHA-256 hashes, with a name, a hint, when
  each was made and last used, and when it was revoked.

The downgrade drops the table and the columns (provisioned accounts become ordinary ones without a password);
it fails on PostgreSQL while a username is longer than 32 characters.
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
MOMENT = sqlmodel.sql.sqltypes.UTCDateTime
UNIQUE_EXTERNAL_ID = "uq_user_external_id"


def upgrade() -> None:
    op.create_table(
        'scim_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', TEXT(length=80), nullable=False),
        sa.Column('token_hash', TEXT(length=64), nullable=False),
        sa.Column('hint', TEXT(length=16), nullable=False),
        sa.Column('created_at', MOMENT(), nullable=False),
        sa.Column('last_used_at', MOMENT(), nullable=True),
        sa.Column('revoked_at', MOMENT(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
        sa.UniqueConstraint('token_hash'),
    )
    with op.batch_alter_table('user') as batch_op:
        batch_op.alter_column('username', existing_type=TEXT(length=32), type_=TEXT(length=64),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('external_id', TEXT(length=255), nullable=True))
        batch_op.add_column(sa.Column('provisioned', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('email_type', TEXT(length=16), server_default='', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('updated_at', MOMENT(), nullable=True))
        batch_op.add_column(sa.Column('deprovisioned_at', MOMENT(), nullable=True))
        batch_op.create_unique_constraint(UNIQUE_EXTERNAL_ID, ['external_id'])


def downgrade() -> None:
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_constraint(UNIQUE_EXTERNAL_ID, type_='unique')
        batch_op.drop_column('deprovisioned_at')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('version')
        batch_op.drop_column('email_type')
        batch_op.drop_column('provisioned')
        batch_op.drop_column('external_id')
        batch_op.alter_column('username', existing_type=TEXT(length=64), type_=TEXT(length=32),
                              existing_nullable=False)
    op.drop_table('scim_token')
