"""oidc identities

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 23:45:00

Sign-in through an OpenID Connect provider.

- external_identity: a provider's account (its issuer and subject, unique together) linked to a tracker
  account, with the email the provider gave when it was linked, when, and the last sign-in through it.
- user_session.id_token: for a browser signed in through the provider, its ID token, the hint the provider's
  end-session endpoint takes when that browser signs out (kept on the server, never in a cookie).

The downgrade drops both: linked accounts can then sign in only with their password, and browsers signed in
through the provider are no longer sent to it when they sign out.
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
MOMENT = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'external_identity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('issuer', TEXT(length=255), nullable=False),
        sa.Column('subject', TEXT(length=255), nullable=False),
        sa.Column('email', TEXT(length=254), nullable=False),
        sa.Column('linked_at', MOMENT(), nullable=False),
        sa.Column('last_sign_in_at', MOMENT(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('issuer', 'subject'),
    )
    op.create_index('ix_external_identity_user_id', 'external_identity', ['user_id'], unique=False)
    with op.batch_alter_table('user_session') as batch_op:
        batch_op.add_column(sa.Column('id_token', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user_session') as batch_op:
        batch_op.drop_column('id_token')
    op.drop_index('ix_external_identity_user_id', table_name='external_identity')
    op.drop_table('external_identity')
