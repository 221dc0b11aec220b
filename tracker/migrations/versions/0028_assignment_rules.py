"""assignment rules

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05 23:45:00

A path assigned to a group, kept true as people join and leave.

- assignment_rule: a group's path, due on a fixed date or so many days after each member joined, optionally
  starting over every so many months, with a note; one rule per (group, path); `enabled` off stops new joins
  being assigned. Deleting the group deletes its rules.
- rule_run: each run of a rule (queued, running, done or failed, refused by ck_rule_run_status otherwise),
  who or what started it, and what it changed (assigned, withdrawn, due dates changed, unchanged, errors).
- assignment.rule_id: the rule that made and keeps an assignment (empty for a mentor's own).

The downgrade drops the column and both tables: the assignments rules made stay, as if a mentor had made them.
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
MOMENT = sqlmodel.sql.sqltypes.UTCDateTime
STATUSES = ("queued", "running", "done", "failed")


def upgrade() -> None:
    op.create_table(
        'assignment_rule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('path_id', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('due_days_after_joining', sa.Integer(), nullable=True),
        sa.Column('recur_months', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', MOMENT(), nullable=False),
        sa.Column('updated_at', MOMENT(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['team_group.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['path_id'], ['learning_path.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('group_id', 'path_id'),
    )
    op.create_index('ix_assignment_rule_path_id', 'assignment_rule', ['path_id'], unique=False)
    op.create_table(
        'rule_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('rule_id', sa.Integer(), nullable=True),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('rule_label', TEXT(length=200), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        sa.Column('started_by_label', TEXT(length=80), nullable=False),
        sa.Column('status', sa.Enum(*STATUSES, name='ck_rule_run_status', native_enum=False,
                                    create_constraint=True, length=16), nullable=False),
        sa.Column('queued_at', MOMENT(), nullable=False),
        sa.Column('started_at', MOMENT(), nullable=True),
        sa.Column('finished_at', MOMENT(), nullable=True),
        sa.Column('assigned', sa.Integer(), nullable=False),
        sa.Column('withdrawn', sa.Integer(), nullable=False),
        sa.Column('due_changed', sa.Integer(), nullable=False),
        sa.Column('unchanged', sa.Integer(), nullable=False),
        sa.Column('errors', sa.Integer(), nullable=False),
        sa.Column('detail', TEXT(length=500), nullable=False),
        sa.ForeignKeyConstraint(['rule_id'], ['assignment_rule.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['group_id'], ['team_group.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['started_by_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_rule_run_rule_id', 'rule_run', ['rule_id'], unique=False)
    op.create_index('ix_rule_run_group_id', 'rule_run', ['group_id'], unique=False)
    with op.batch_alter_table('assignment') as batch_op:
        batch_op.add_column(sa.Column('rule_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_assignment_rule_id', ['rule_id'], unique=False)
        batch_op.create_foreign_key('fk_assignment_rule_id', 'assignment_rule', ['rule_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('assignment') as batch_op:
        batch_op.drop_constraint('fk_assignment_rule_id', type_='foreignkey')
        batch_op.drop_index('ix_assignment_rule_id')
        batch_op.drop_column('rule_id')
    op.drop_index('ix_rule_run_group_id', table_name='rule_run')
    op.drop_index('ix_rule_run_rule_id', table_name='rule_run')
    op.drop_table('rule_run')
    op.drop_index('ix_assignment_rule_path_id', table_name='assignment_rule')
    op.drop_table('assignment_rule')
