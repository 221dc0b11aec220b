"""path at a glance

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06 02:30:00

Reserved; filled in by its change.
"""

revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
