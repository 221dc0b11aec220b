"""recall cards, their reviews, and each user's desired retention

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 09:00:00

- recall_card: a learner's question and answer about an article, with its FSRS memory state.
- card_review: every review (rating and time), the history FSRS's optimizer learns from.
- user.desired_retention: the recall probability reviews are scheduled for (0.9 by default).

Downgrading drops them (cards and their review history go).
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'recall_card',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('prompt', sa.Text(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('state', sa.Integer(), nullable=False),
        sa.Column('step', sa.Integer(), nullable=True),
        sa.Column('stability', sa.Float(), nullable=True),
        sa.Column('difficulty', sa.Float(), nullable=True),
        sa.Column('due', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_review', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['article_id'], ['article.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_recall_card_article_id', 'recall_card', ['article_id'], unique=False)
    op.create_index('ix_recall_card_user_id_due', 'recall_card', ['user_id', 'due'], unique=False)
    op.create_table(
        'card_review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('card_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('reviewed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('review_duration_ms', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['card_id'], ['recall_card.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_card_review_card_id', 'card_review', ['card_id'], unique=False)
    op.create_index('ix_card_review_user_id', 'card_review', ['user_id'], unique=False)
    with op.batch_alter_table('user') as batch_op:
        batch_op.add_column(sa.Column('desired_retention', sa.Float(), server_default='0.9', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_column('desired_retention')
    op.drop_index('ix_card_review_user_id', table_name='card_review')
    op.drop_index('ix_card_review_card_id', table_name='card_review')
    op.drop_table('card_review')
    op.drop_index('ix_recall_card_user_id_due', table_name='recall_card')
    op.drop_index('ix_recall_card_article_id', table_name='recall_card')
    op.drop_table('recall_card')
