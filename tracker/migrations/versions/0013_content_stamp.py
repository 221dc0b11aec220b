"""content stamp: what each process's copy of the curriculum is checked against

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 13:00:00

- content_stamp: one row whose random value changes with every change to articles, sources, topics and the
  sections and items of paths, in the same transaction; processes keep the curriculum they read under it.

The downgrade drops the table: the stamp is derived, nothing is lost.
"""
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        'content_stamp',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stamp', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(table, [{"id": 1, "stamp": uuid.uuid4().hex, "changed_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.drop_table('content_stamp')
