"""personal resources

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 02:30:00

Reserved; filled in by its change.
"""

revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
