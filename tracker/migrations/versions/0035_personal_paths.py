"""personal paths

Revision ID: 0035
Revises: 0032
Create Date: 2026-12-06 02:30:00

Each change of a curated path a personal copy's owner took or left.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0035'
down_revision = '0032'
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
MOMENT = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'fork_choice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('path_id', sa.Integer(), nullable=False),
        sa.Column('upstream_version', sa.Integer(), nullable=False),
        sa.Column('change_key', TEXT(length=200), nullable=False),
        sa.Column('taken', sa.Boolean(), nullable=False),
        sa.Column('decided_at', MOMENT(), nullable=False),
        sa.ForeignKeyConstraint(['path_id'], ['learning_path.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('path_id', 'upstream_version', 'change_key'),
    )


def downgrade() -> None:
    op.drop_table('fork_choice')
