"""prerequisites

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 02:30:00

Reserved; filled in by its change.
"""

revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
