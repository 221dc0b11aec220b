"""path at a glance

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06 02:30:00

- section_fold: the sections of a path a learner keeps folded on its page, one row per (learner, path,
  section). A section is named by its title (`section_key`), which the path format keeps unique within a path:
  saving a path writes its section rows anew, so their ids do not last, while a title does (and survives a
  reorder). A renamed section simply opens again. Deleting the learner or the path deletes the rows.

The downgrade drops the table: every section opens again.
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'section_fold',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('path_id', sa.Integer(), nullable=False),
        sa.Column('section_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('folded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['path_id'], ['learning_path.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'path_id', 'section_key'),
    )
    op.create_index('ix_section_fold_path_id', 'section_fold', ['path_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_section_fold_path_id', table_name='section_fold')
    op.drop_table('section_fold')
