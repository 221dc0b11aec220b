"""cloze cards and private takeaways

- recall_card.kind: "qa" (a question and its answer, every card so far) or "cloze" (a text with Anki-style
  deletions, {{c1::answer}}), a VARCHAR refused by the CHECK ck_recall_card_kind when anything else; existing
  cards become "qa".
- recall_card.cloze_number: the deletion a cloze card asks (1 for c1); NULL for question-and-answer cards.
- note.takeaway_shared: a takeaway is shown to mentors only when this is set; sharing the note's body no longer
  shares it. Every existing takeaway starts private (false), shared notes included: until now one flag covered
  both and nothing tells a takeaway shared on purpose from one that rode along with its note, so the safe reading
  is private. Learners share a takeaway again with its own checkbox; mentors stop seeing takeaways until then.

The downgrade drops the three columns. Cloze cards stay as cards whose prompt is their cloze text (read as
questions from then on); takeaways stay in their notes, shown with the note when the note is shared, as before.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 20:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('recall_card') as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('qa', 'cloze', name='ck_recall_card_kind', native_enum=False,
                                                      create_constraint=True, length=16),
                                      server_default='qa', nullable=False))
        batch_op.add_column(sa.Column('cloze_number', sa.Integer(), nullable=True))
    with op.batch_alter_table('note') as batch_op:
        batch_op.add_column(sa.Column('takeaway_shared', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('note') as batch_op:
        batch_op.drop_column('takeaway_shared')
    with op.batch_alter_table('recall_card') as batch_op:
        batch_op.drop_constraint('ck_recall_card_kind', type_='check')
        batch_op.drop_column('cloze_number')
        batch_op.drop_column('kind')
