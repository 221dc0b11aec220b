"""mastery

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06 02:30:00

Reserved; filled in by its change.
"""

revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
