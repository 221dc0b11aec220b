"""section rules, prerequisites, mastery, personal paths and resources

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 02:30:00

- path_section.kind (core, elective), pick (an elective's "any N"), sequential. Every existing section becomes
  core, in any order: exactly what a section meant before, so every learner keeps the numbers they had.
- learning_path.mastery_percent and mastery_retrievability: none on every existing path (reading only).
- learning_path.owner_id, forked_from_id, forked_version, shared_with_mentors: a learner's personal copy of a
  path; every existing path is curated (no owner).
- path_prerequisite: paths to finish first, recommended or required; none exist yet.
- article.owner_id, attached_to_id, shared_with_mentors: a learner's own resource; every existing article is the
  catalog's (no owner).
"""

import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('path_section') as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('core', 'elective', name='ck_path_section_kind',
                                                      native_enum=False, create_constraint=True, length=16),
                                      server_default='core', nullable=False))
        batch_op.add_column(sa.Column('pick', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sequential', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('learning_path') as batch_op:
        batch_op.add_column(sa.Column('mastery_percent', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('mastery_retrievability', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('forked_from_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('forked_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('shared_with_mentors', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_learning_path_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learning_path_forked_from_id'), ['forked_from_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_learning_path_owner_id_user'), 'user', ['owner_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_learning_path_forked_from_id_learning_path'), 'learning_path',
                                    ['forked_from_id'], ['id'], ondelete='SET NULL')
    op.create_table(
        'path_prerequisite',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('path_id', sa.Integer(), nullable=False),
        sa.Column('prerequisite_id', sa.Integer(), nullable=False),
        sa.Column('required', sa.Boolean(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['path_id'], ['learning_path.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['prerequisite_id'], ['learning_path.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('path_id', 'prerequisite_id'),
    )
    with op.batch_alter_table('path_prerequisite') as batch_op:
        batch_op.create_index(batch_op.f('ix_path_prerequisite_prerequisite_id'), ['prerequisite_id'], unique=False)
    with op.batch_alter_table('article') as batch_op:
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('attached_to_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('shared_with_mentors', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_article_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_article_attached_to_id'), ['attached_to_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_article_owner_id_user'), 'user', ['owner_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_article_attached_to_id_article'), 'article', ['attached_to_id'],
                                    ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('article') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_article_attached_to_id_article'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_article_owner_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_article_attached_to_id'))
        batch_op.drop_index(batch_op.f('ix_article_owner_id'))
        batch_op.drop_column('shared_with_mentors')
        batch_op.drop_column('attached_to_id')
        batch_op.drop_column('owner_id')
    with op.batch_alter_table('path_prerequisite') as batch_op:
        batch_op.drop_index(batch_op.f('ix_path_prerequisite_prerequisite_id'))
    op.drop_table('path_prerequisite')
    with op.batch_alter_table('learning_path') as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_learning_path_forked_from_id_learning_path'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_learning_path_owner_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_learning_path_forked_from_id'))
        batch_op.drop_index(batch_op.f('ix_learning_path_owner_id'))
        batch_op.drop_column('shared_with_mentors')
        batch_op.drop_column('forked_version')
        batch_op.drop_column('forked_from_id')
        batch_op.drop_column('owner_id')
        batch_op.drop_column('mastery_retrievability')
        batch_op.drop_column('mastery_percent')
    with op.batch_alter_table('path_section') as batch_op:
        batch_op.drop_constraint('ck_path_section_kind', type_='check')
        batch_op.drop_column('sequential')
        batch_op.drop_column('pick')
        batch_op.drop_column('kind')
