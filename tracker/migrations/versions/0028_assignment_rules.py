"""assignment rules

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 23:45:00

Reserved; filled in by its change.
"""

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
