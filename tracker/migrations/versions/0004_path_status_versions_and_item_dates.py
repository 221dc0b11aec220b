"""path status, versions and item dates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:42:51.017473
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('path_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('path_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['path_id'], ['learning_path.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('path_id', 'version')
    )
    with op.batch_alter_table('path_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_path_version_path_id'), ['path_id'], unique=False)

    with op.batch_alter_table('learning_path', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16),
                                      server_default='published', nullable=False))

    with op.batch_alter_table('path_item', schema=None) as batch_op:
        # Existing items count as added when the migration runs.
        batch_op.add_column(sa.Column('added_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False,
                                      server_default=sa.text('CURRENT_TIMESTAMP')))



def downgrade() -> None:
    with op.batch_alter_table('path_item', schema=None) as batch_op:
        batch_op.drop_column('added_at')

    with op.batch_alter_table('learning_path', schema=None) as batch_op:
        batch_op.drop_column('status')

    with op.batch_alter_table('path_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_path_version_path_id'))

    op.drop_table('path_version')
