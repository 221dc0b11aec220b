"""interop: xAPI outbox, completion credentials, public ids, the path of a progress event

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 08:00:00

- xapi_outbox: statements waiting for (or delivered to) the Learning Record Store.
- credential: Open Badges 3.0 completion credentials, with sharing and revocation.
- user.public_id: an opaque, stable id for records that leave the app (filled for existing users).
- progress_event.path_id: the path a change was made on (unknown for older events).

Downgrading drops them; credentials already issued stay valid where they were shared (their keys
stay in the data dir), but the app no longer lists or revokes them.
"""
import uuid

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Long on purpose: a revision states the schema it creates, table by table, as Alembic wrote it.
    op.create_table(
        'xapi_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('statement_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=True),
        sa.Column('statement', sa.Text(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('statement_id'),
        sa.UniqueConstraint('event_id'),
    )
    op.create_index('ix_xapi_outbox_user_id', 'xapi_outbox', ['user_id'], unique=False)
    op.create_index('ix_xapi_outbox_pending', 'xapi_outbox', ['sent_at', 'next_attempt_at'], unique=False)

    op.create_table(
        'credential',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('path_id', sa.Integer(), nullable=True),
        sa.Column('path_slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('path_title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('path_version', sa.Integer(), nullable=False),
        sa.Column('articles_read', sa.Integer(), nullable=False),
        sa.Column('issued_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('jwt', sa.Text(), nullable=False),
        sa.Column('shared', sa.Boolean(), nullable=False),
        sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('revoked_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.ForeignKeyConstraint(['path_id'], ['learning_path.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('public_id'),
    )
    op.create_index('ix_credential_user_id', 'credential', ['user_id'], unique=False)
    op.create_index('ix_credential_path_id', 'credential', ['path_id'], unique=False)

    with op.batch_alter_table('user') as batch_op:
        batch_op.add_column(sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.text('SELECT id FROM "user"')).all():
        connection.execute(sa.text('UPDATE "user" SET public_id = :value WHERE id = :id'),
                           {"value": uuid.uuid4().hex, "id": user_id})
    with op.batch_alter_table('user') as batch_op:
        batch_op.alter_column('public_id', existing_type=sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False)
        batch_op.create_unique_constraint('uq_user_public_id', ['public_id'])

    with op.batch_alter_table('progress_event') as batch_op:
        batch_op.add_column(sa.Column('path_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_progress_event_path_id', 'learning_path', ['path_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('progress_event') as batch_op:
        batch_op.drop_constraint('fk_progress_event_path_id', type_='foreignkey')
        batch_op.drop_column('path_id')
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_constraint('uq_user_public_id', type_='unique')
        batch_op.drop_column('public_id')
    op.drop_index('ix_credential_path_id', table_name='credential')
    op.drop_index('ix_credential_user_id', table_name='credential')
    op.drop_table('credential')
    op.drop_index('ix_xapi_outbox_pending', table_name='xapi_outbox')
    op.drop_index('ix_xapi_outbox_user_id', table_name='xapi_outbox')
    op.drop_table('xapi_outbox')
