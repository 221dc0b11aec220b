"""groups and the audit log

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 23:40:00

Teams and cohorts, and the record of who changed what.

- team_group: a group with its slug, name and description; where it came from (`source`: local, scim or
  oidc, refused by ck_team_group_source otherwise); the provisioning client's `external_id` and the
  identity provider's group name `idp_name` that map to it; a stable `public_id` (the SCIM id) and a
  `version` renewed by every change (the SCIM ETag).
- group_member: who is in which group, since when, whether they manage it, and where the membership came from.
- audit_event: enrolments, rule runs, role and group changes, provisioning and sign-ins through the identity
  provider, each with its actor; labels keep the names after an account is deleted.
- assignment.recur_months and assignment.period_started_on: an assignment that starts over every so many
  months, and the first day of its current period (both empty: it happens once, as before).

The downgrade drops the three tables (groups, memberships and the audit log are gone) and the two columns
(recurring assignments become one-off ones).
"""
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString
MOMENT = sqlmodel.sql.sqltypes.UTCDateTime
SOURCES = ("local", "scim", "oidc")


def source(check: str) -> sa.Enum:
    return sa.Enum(*SOURCES, name=check, native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    op.create_table(
        'team_group',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', TEXT(length=64), nullable=False),
        sa.Column('name', TEXT(length=120), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('source', source('ck_team_group_source'), nullable=False),
        sa.Column('external_id', TEXT(length=255), nullable=True),
        sa.Column('idp_name', TEXT(length=255), nullable=True),
        sa.Column('public_id', TEXT(length=36), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', MOMENT(), nullable=False),
        sa.Column('updated_at', MOMENT(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('external_id'),
        sa.UniqueConstraint('idp_name'),
        sa.UniqueConstraint('public_id'),
    )
    op.create_index('ix_team_group_slug', 'team_group', ['slug'], unique=True)
    op.create_table(
        'group_member',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('is_manager', sa.Boolean(), nullable=False),
        sa.Column('source', source('ck_group_member_source'), nullable=False),
        sa.Column('joined_at', MOMENT(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['team_group.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('group_id', 'user_id'),
    )
    op.create_index('ix_group_member_user_id', 'group_member', ['user_id'], unique=False)
    op.create_table(
        'audit_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', MOMENT(), nullable=False),
        sa.Column('kind', TEXT(length=48), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor_label', TEXT(length=80), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('subject_label', TEXT(length=80), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=True),
        sa.Column('path_id', sa.Integer(), nullable=True),
        sa.Column('detail', TEXT(length=500), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['subject_id'], ['user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['group_id'], ['team_group.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['path_id'], ['learning_path.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_event_at', 'audit_event', ['at'], unique=False)
    op.create_index('ix_audit_event_kind', 'audit_event', ['kind'], unique=False)
    op.create_index('ix_audit_event_subject_id', 'audit_event', ['subject_id'], unique=False)
    with op.batch_alter_table('assignment') as batch_op:
        batch_op.add_column(sa.Column('recur_months', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('period_started_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assignment') as batch_op:
        batch_op.drop_column('period_started_on')
        batch_op.drop_column('recur_months')
    op.drop_index('ix_audit_event_subject_id', table_name='audit_event')
    op.drop_index('ix_audit_event_kind', table_name='audit_event')
    op.drop_index('ix_audit_event_at', table_name='audit_event')
    op.drop_table('audit_event')
    op.drop_index('ix_group_member_user_id', table_name='group_member')
    op.drop_table('group_member')
    op.drop_index('ix_team_group_slug', table_name='team_group')
    op.drop_table('team_group')
