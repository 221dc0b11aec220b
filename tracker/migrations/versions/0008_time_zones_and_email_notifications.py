"""each user's time zone, and email for notifications

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 07:00:00

- user.time_zone: an IANA zone name (existing users: UTC, as every date was counted before).
- user.email, user.email_notifications (off, immediate or daily) and user.digest_sent_on.
- notification.emailed_at: when the notification went out by email (or was passed over for it).

Downgrading drops these columns: every user's days go back to UTC and email settings are forgotten.
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user') as batch_op:
        batch_op.add_column(sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=64),
                                      server_default='UTC', nullable=False))
        batch_op.add_column(sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254),
                                      server_default='', nullable=False))
        batch_op.add_column(sa.Column('email_notifications',
                                      sa.Enum('off', 'immediate', 'daily', name='ck_user_email_notifications',
                                              native_enum=False, create_constraint=True, length=16),
                                      server_default='off', nullable=False))
        batch_op.add_column(sa.Column('digest_sent_on', sa.Date(), nullable=True))
    with op.batch_alter_table('notification') as batch_op:
        batch_op.add_column(sa.Column('emailed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('notification') as batch_op:
        batch_op.drop_column('emailed_at')
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_constraint('ck_user_email_notifications', type_='check')
        batch_op.drop_column('digest_sent_on')
        batch_op.drop_column('email_notifications')
        batch_op.drop_column('email')
        batch_op.drop_column('time_zone')
