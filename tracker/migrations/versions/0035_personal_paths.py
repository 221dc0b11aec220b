"""personal paths

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 02:30:00

Reserved; filled in by its change.
"""

revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
