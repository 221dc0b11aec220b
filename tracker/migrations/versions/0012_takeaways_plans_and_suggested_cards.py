"""takeaways, weekly plans, suggested recall cards, and plan-day reminders

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 08:00:00

- note.takeaway: what the learner would tell a colleague, written when marking an article done.
- study_plan: a learner's weekly plan for a path (days, roughly when, minutes).
- suggested_card: cards offered to learners, from the curriculum files or by a mentor for an assigned path;
  recall_card.suggested_card_id remembers which one a card was adopted from.
- notification kind plan_day: today is a day of the learner's plan.

The downgrade drops the new tables and columns (plans, suggestions and takeaways go; adopted cards stay as
the learner's own) and folds plan_day notifications into due_soon.
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OLD_KINDS = ("invitation", "assigned", "reply", "due_soon", "overdue", "assignment_changed", "shared_note",
             "mentee_finished", "mentee_behind", "mentee_overdue")
NEW_KINDS = (*OLD_KINDS, "plan_day")


def _kinds_check(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("notification") as batch_op:
        batch_op.drop_constraint("ck_notification_kind", type_="check")
        batch_op.create_check_constraint("ck_notification_kind", f"kind IN ({', '.join(repr(v) for v in values)})")


def upgrade() -> None:
    with op.batch_alter_table('note') as batch_op:
        batch_op.add_column(sa.Column('takeaway', sa.Text(), nullable=True))
    op.create_table(
        'study_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('path_id', sa.Integer(), nullable=False),
        sa.Column('weekdays', sa.Integer(), nullable=False),
        sa.Column('cue', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['path_id'], ['learning_path.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'path_id'),
    )
    op.create_index('ix_study_plan_path_id', 'study_plan', ['path_id'], unique=False)
    op.create_table(
        'suggested_card',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('prompt', sa.Text(), nullable=False),
        sa.Column('answer', sa.Text(), nullable=False),
        sa.Column('origin', sa.Enum('curriculum', 'mentor', name='ck_suggested_card_origin', native_enum=False,
                                    create_constraint=True, length=16), nullable=False),
        sa.Column('mentor_id', sa.Integer(), nullable=True),
        sa.Column('path_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['article_id'], ['article.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['mentor_id'], ['user.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['path_id'], ['learning_path.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_suggested_card_article_id', 'suggested_card', ['article_id'], unique=False)
    op.create_index('ix_suggested_card_mentor_id', 'suggested_card', ['mentor_id'], unique=False)
    op.create_index('ix_suggested_card_path_id', 'suggested_card', ['path_id'], unique=False)
    with op.batch_alter_table('recall_card') as batch_op:
        batch_op.add_column(sa.Column('suggested_card_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_recall_card_suggested_card_id', 'suggested_card', ['suggested_card_id'],
                                    ['id'], ondelete='SET NULL')
        batch_op.create_unique_constraint('uq_recall_card_user_id_suggested_card_id',
                                          ['user_id', 'suggested_card_id'])
    _kinds_check(NEW_KINDS)


def downgrade() -> None:
    op.execute("UPDATE notification SET kind = 'due_soon' WHERE kind = 'plan_day'")
    _kinds_check(OLD_KINDS)
    with op.batch_alter_table('recall_card') as batch_op:
        batch_op.drop_constraint('uq_recall_card_user_id_suggested_card_id', type_='unique')
        batch_op.drop_constraint('fk_recall_card_suggested_card_id', type_='foreignkey')
        batch_op.drop_column('suggested_card_id')
    op.drop_index('ix_suggested_card_path_id', table_name='suggested_card')
    op.drop_index('ix_suggested_card_mentor_id', table_name='suggested_card')
    op.drop_index('ix_suggested_card_article_id', table_name='suggested_card')
    op.drop_table('suggested_card')
    op.drop_index('ix_study_plan_path_id', table_name='study_plan')
    op.drop_table('study_plan')
    with op.batch_alter_table('note') as batch_op:
        batch_op.drop_column('takeaway')
