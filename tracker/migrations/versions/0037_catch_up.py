"""catch up

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06 02:30:00

Reserved; filled in by its change.
"""

revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
