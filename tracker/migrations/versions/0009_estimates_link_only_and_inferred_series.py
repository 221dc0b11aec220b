"""reading-time estimates, link-only catalog entries, inferred series numbers

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 08:00:00

- article.estimated_minutes: the estimate used while the listing gives no reading time (filled when
  the catalog is loaded; until then the flat default applies, as before).
- article.link_only: a one-line pointer, not a full article (never in a required slot of a path).
- article.series_number_inferred: the number was inferred from the gaps in its series.
- path_section.why: one line saying why a section holds these articles in this order.

Downgrading drops the four columns (the path files keep each section's line).
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('article') as batch_op:
        batch_op.add_column(sa.Column('estimated_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('link_only', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('series_number_inferred', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('path_section') as batch_op:
        batch_op.add_column(sa.Column('why', sa.String(length=300), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('path_section') as batch_op:
        batch_op.drop_column('why')
    with op.batch_alter_table('article') as batch_op:
        batch_op.drop_column('series_number_inferred')
        batch_op.drop_column('link_only')
        batch_op.drop_column('estimated_minutes')
