"""signing keys in the database

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 21:45:00

The keys that sign completion credentials were files in each machine's data dir (`credential_keys.json`, and
the Ed25519 `credential_key.json` of the first credentials), so two machines behind one load balancer each made
their own key and a credential issued by one was "unknown key" on the other. From here on they are rows of
`credential_signing_key`, shared by every machine on the database: `serial` orders them (0: the Ed25519 key,
ES256 keys from 1, the highest signs) and is unique, so processes creating the first set at once end with one;
each private key is encrypted (AES-GCM, key derived from TRACKER_SECRET_KEY).

The table starts empty: the first start of `tracker run` / `tracker serve` (or the first credential signed)
imports the data dir's key files when there are any, so every credential issued so far keeps verifying; the
files are left in place, no longer read.

The downgrade drops the table: the key files, still in the data dir, sign and verify again as before. Keys
made or rotated after the upgrade are lost with it, and credentials signed with them no longer verify.
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'credential_signing_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('serial', sa.Integer(), nullable=False),
        sa.Column('kid', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('algorithm', sa.Enum('ES256', 'EdDSA', native_enum=False, create_constraint=True, length=8,
                                       name='ck_credential_signing_key_algorithm'), nullable=False),
        sa.Column('private_sealed', sa.Text(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('serial'),
        sa.UniqueConstraint('kid'),
    )


def downgrade() -> None:
    op.drop_table('credential_signing_key')
