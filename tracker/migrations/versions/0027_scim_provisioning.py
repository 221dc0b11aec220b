"""scim provisioning

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 23:45:00

Reserved; filled in by its change.
"""

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
