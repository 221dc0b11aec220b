"""api parity

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 23:45:00

Reserved; filled in by its change.
"""

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
