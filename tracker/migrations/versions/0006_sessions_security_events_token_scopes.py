"""server-side sessions, security events, token expiry and scope, a single installation row

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 03:10:00

- user_session: one row per signed-in browser; ending it signs that browser out, whatever copies of
  its cookies exist. It replaces user.session_token, which could only end every session at once.
- security_event: sign-ins, failures, throttling, sign-outs, password, role and token changes.
- api_token: an optional expiry and a scope (read or write; existing tokens keep full access).
- installation: at most one row, written with the first administrator (setup cannot run twice).

Downgrading drops the new tables and columns (their rows go with them) and gives every user a fresh
session_token, so everyone signs in again.
"""
import secrets

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

EVENT_KINDS = ("signed_up", "setup", "sign_in", "sign_in_failed", "sign_in_refused_inactive", "throttled",
               "sign_out", "session_ended", "signed_out_everywhere", "password_changed", "temporary_password_set",
               "role_changed", "deactivated", "reactivated", "token_created", "token_revoked", "access_refused")


def upgrade() -> None:
    # Long on purpose: a revision states the schema it creates, table by table, as Alembic wrote it.
    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('remember', sa.Boolean(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_user_session_user_id', 'user_session', ['user_id'], unique=False)

    op.create_table(
        'security_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('kind', sa.Enum(*EVENT_KINDS, name='ck_security_event_kind', native_enum=False,
                                  create_constraint=True, length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_security_event_created_at', 'security_event', ['created_at'], unique=False)
    op.create_index('ix_security_event_user_id_created_at', 'security_event', ['user_id', 'created_at'],
                    unique=False)

    op.create_table(
        'installation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('admin_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint('id = 1', name='ck_installation_single_row'),
        sa.ForeignKeyConstraint(['admin_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    # An existing install is installed: its row is written now.
    op.execute("INSERT INTO installation (id, admin_id, created_at) "
               "SELECT 1, min(id), CURRENT_TIMESTAMP FROM \"user\" HAVING count(*) > 0")

    with op.batch_alter_table('api_token') as batch_op:
        batch_op.add_column(sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('scope', sa.Enum('read', 'write', name='ck_api_token_scope', native_enum=False,
                                                       create_constraint=True, length=16),
                                      server_default='write', nullable=False))

    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_column('session_token')


def downgrade() -> None:
    with op.batch_alter_table('user') as batch_op:
        batch_op.add_column(sa.Column('session_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.text('SELECT id FROM "user"')).all():
        connection.execute(sa.text('UPDATE "user" SET session_token = :token WHERE id = :id'),
                           {"token": secrets.token_urlsafe(16), "id": user_id})
    with op.batch_alter_table('user') as batch_op:
        batch_op.alter_column('session_token', existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
                              nullable=False)

    with op.batch_alter_table('api_token') as batch_op:
        batch_op.drop_constraint('ck_api_token_scope', type_='check')
        batch_op.drop_column('scope')
        batch_op.drop_column('expires_at')

    op.drop_table('installation')
    op.drop_index('ix_security_event_user_id_created_at', table_name='security_event')
    op.drop_index('ix_security_event_created_at', table_name='security_event')
    op.drop_table('security_event')
    op.drop_index('ix_user_session_user_id', table_name='user_session')
    op.drop_table('user_session')
