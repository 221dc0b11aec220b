"""webhooks and chat

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 22:05:00

Outgoing webhooks (Standard Webhooks): an admin registers endpoints, and what learners do is delivered to them,
signed, by the job queue.

- webhook_endpoint: the URL, its signing secret (`whsec_…`, kept to sign), the event types it subscribes to
  (comma-separated) and whether it is enabled.
- webhook_event: the outbox. An event is written in the transaction of what it reports (a mark, a credential
  issued or revoked, a due-date reminder), with its message id (the `webhook-id` of every try) and its JSON
  body; `dispatched_at` is set once its deliveries are queued. `type` is a VARCHAR refused by the CHECK
  ck_webhook_event_type when it is anything else; `endpoint_id` names the one endpoint of a test event.
- webhook_delivery: each try to deliver an event to an endpoint (attempt, status code, error, when); the last
  50 per endpoint are kept.

Notifications in chat: a learner or mentor may give a Slack or Microsoft Teams incoming webhook, where their
in-app notifications are posted too.

- user.chat_webhook_url: that URL ('' for none).
- notification.chatted_at: when it was posted there (or passed over: those from before the URL was set).
  Existing notifications are stamped (with their own time), so setting a URL later never posts old ones.

The downgrade drops the three tables (endpoints, their secrets, pending events and the delivery log are gone)
and the two columns (notifications go back to the app and email only).
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
MOMENT = sqlmodel.sql.sqltypes.UTCDateTime
EVENT_TYPES = ("progress.marked", "credential.issued", "credential.revoked", "assignment.due_soon",
               "assignment.overdue", "webhook.test")


def upgrade() -> None:
    op.create_table(
        'webhook_endpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', TEXT(length=500), nullable=False),
        sa.Column('secret', TEXT(length=64), nullable=False),
        sa.Column('events', TEXT(length=300), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('created_at', MOMENT(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'webhook_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', TEXT(length=40), nullable=False),
        sa.Column('type', sa.Enum(*EVENT_TYPES, name='ck_webhook_event_type', native_enum=False,
                                  create_constraint=True, length=32), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=True),
        sa.Column('created_at', MOMENT(), nullable=False),
        sa.Column('dispatched_at', MOMENT(), nullable=True),
        sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoint.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id'),
    )
    op.create_index('ix_webhook_event_dispatched_at', 'webhook_event', ['dispatched_at'], unique=False)
    op.create_table(
        'webhook_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('message_id', TEXT(length=40), nullable=False),
        sa.Column('event_type', TEXT(length=32), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('error', TEXT(length=300), nullable=False),
        sa.Column('delivered', sa.Boolean(), nullable=False),
        sa.Column('at', MOMENT(), nullable=False),
        sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoint.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['event_id'], ['webhook_event.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_webhook_delivery_endpoint_id_at', 'webhook_delivery', ['endpoint_id', 'at'], unique=False)
    op.create_index('ix_webhook_delivery_event_id', 'webhook_delivery', ['event_id'], unique=False)
    with op.batch_alter_table('user') as batch_op:
        batch_op.add_column(sa.Column('chat_webhook_url', TEXT(length=500), server_default='', nullable=False))
    with op.batch_alter_table('notification') as batch_op:
        batch_op.add_column(sa.Column('chatted_at', MOMENT(), nullable=True))
    op.execute(sa.text("UPDATE notification SET chatted_at = created_at"))


def downgrade() -> None:
    with op.batch_alter_table('notification') as batch_op:
        batch_op.drop_column('chatted_at')
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_column('chat_webhook_url')
    op.drop_index('ix_webhook_delivery_event_id', table_name='webhook_delivery')
    op.drop_index('ix_webhook_delivery_endpoint_id_at', table_name='webhook_delivery')
    op.drop_table('webhook_delivery')
    op.drop_index('ix_webhook_event_dispatched_at', table_name='webhook_event')
    op.drop_table('webhook_event')
    op.drop_table('webhook_endpoint')
