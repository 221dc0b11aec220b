"""group overview

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 23:45:00

Reserved; filled in by its change.
"""

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
