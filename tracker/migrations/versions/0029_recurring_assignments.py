"""recurring assignments

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 23:45:00

Reserved; filled in by its change.
"""

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
