"""review limits, suspend and bury, and what undo restores

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 20:30:00

- user.new_cards_per_day (20) and user.reviews_per_day (200): the learner's daily limits; the review queue serves
  what they allow on each local day.
- recall_card.suspended: the card leaves the queue until it is unsuspended; recall_card.buried_until: the card
  leaves today's queue and comes back at this moment (the start of the learner's next day).
- card_review.state_before .. last_review_before: the card's FSRS state before the review, so that undoing the
  last rating restores it exactly (and `state_before` tells a review of a review-state card, what the daily
  review limit counts); card_review.undoable marks the one review a learner may still undo.

Existing reviews get no state before them (NULL) and are not undoable; existing cards are neither suspended nor
buried. Downgrading drops the columns: the limits, suspensions, burials and the undo history go, cards and
reviews stay.
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user') as batch_op:
        batch_op.add_column(sa.Column('new_cards_per_day', sa.Integer(), server_default='20', nullable=False))
        batch_op.add_column(sa.Column('reviews_per_day', sa.Integer(), server_default='200', nullable=False))
    with op.batch_alter_table('recall_card') as batch_op:
        batch_op.add_column(sa.Column('suspended', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('buried_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table('card_review') as batch_op:
        batch_op.add_column(sa.Column('undoable', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('state_before', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('step_before', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stability_before', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('difficulty_before', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('due_before', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_review_before', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('card_review') as batch_op:
        for name in ('last_review_before', 'due_before', 'difficulty_before', 'stability_before', 'step_before',
                     'state_before', 'undoable'):
            batch_op.drop_column(name)
    with op.batch_alter_table('recall_card') as batch_op:
        batch_op.drop_column('buried_until')
        batch_op.drop_column('suspended')
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_column('reviews_per_day')
        batch_op.drop_column('new_cards_per_day')
