"""mastery

Revision ID: 0038
Revises: 0035
Create Date: 2026-12-06 02:30:00

- credential.recalled: the credential says "read and recalled" (a path that asks recall too, met on the day it
  was issued). Every existing credential was issued for reading alone: false.
- credential.articles_recalled: how many of the path's required articles the learner recalled then; 0 for the
  existing ones.
"""
import sqlalchemy as sa
from alembic import op

revision = '0038'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('credential') as batch_op:
        batch_op.add_column(sa.Column('recalled', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('articles_recalled', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('credential') as batch_op:
        batch_op.drop_column('articles_recalled')
        batch_op.drop_column('recalled')
