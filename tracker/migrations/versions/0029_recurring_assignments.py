"""recurring assignments: each credential's period and expiry

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 23:45:00

- credential.period_started_on: for a path assigned to recur, the first day of the period the credential was
  earned in. A learner holds at most one credential per (path, period); a credential of a path that does not
  recur (every existing one) has none, and stays the one credential for its path, as before.
- credential.valid_until: when the credential expires (the next period's start, in the learner's time zone);
  none for one that does not (every existing one).

There was never a unique constraint on (user, path): issuing decides, under a lock on the learner's row, that
no credential of the path (for the current period, when it recurs) exists yet. So every existing credential
stays as it is, valid as before.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('credential') as batch_op:
        batch_op.add_column(sa.Column('period_started_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('credential') as batch_op:
        batch_op.drop_column('valid_until')
        batch_op.drop_column('period_started_on')
