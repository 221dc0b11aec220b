"""plan versions and judged streak weeks

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 20:30:00

The weekly streak judged every past week by the plans as they stand today and by activity days counted
again from the logs, so editing a plan, deleting a card or moving to another time zone changed weeks already
judged. From here on the streak's inputs are history that is only ever added to, and a judged week is
recorded:

- study_plan_version: each set, edit and clear of a plan keeps a version with the Monday of the first week it
  judges (`starts`: the Monday after the change, in the learner's zone at the time; that Monday itself when
  made on a Monday). weekdays = 0 is a cleared plan. A second change before that Monday replaces the pending
  version, so a version never changes once its week has begun. Filled here with one version per current
  plan, starting the Monday after it was made: earlier edits were not kept, so a plan edited before this
  revision judges its weeks as it stands now.
- streak_week: each finished week's active days and the days the plans in force asked, recorded once, the
  first time the streak is read after the week ended, and never written again. The week under way is the one
  after the last recorded week, so a move west (Paris to New York, where it is still Sunday) cannot reopen a
  judged week. Left empty here: the first read records the weeks ended so far.
- activity_day rows are no longer counted again when the time zone changes or a card is deleted (a day stays
  the day lived), and a skip no longer counts as activity from now on; the rows written before stay as they
  are, so no judged week changes with this upgrade.

The downgrade drops both tables: the plans as they stand stay in study_plan; the plan history and the
recorded weeks go, and the streak goes back to judging every week from the days and today's plans.
"""
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def _zone(name):
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _utc(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _first_week_judged(moment, zone):
    day = _utc(moment).astimezone(zone).date()
    return day + timedelta(days=-day.weekday() % 7)


def upgrade() -> None:
    versions = op.create_table(
        'study_plan_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('path_id', sa.Integer(), nullable=False),
        sa.Column('starts', sa.Date(), nullable=False),
        sa.Column('weekdays', sa.Integer(), nullable=False),
        sa.Column('cue', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('made_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['path_id'], ['learning_path.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('user_id', 'path_id', 'starts'),
    )
    op.create_index('ix_study_plan_version_path_id', 'study_plan_version', ['path_id'], unique=False)
    op.create_table(
        'streak_week',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('monday', sa.Date(), nullable=False),
        sa.Column('active_days', sa.Integer(), nullable=False),
        sa.Column('needed', sa.Integer(), nullable=False),
        sa.Column('judged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'monday'),
    )
    connection = op.get_bind()
    users = sa.table("user", sa.column("id", sa.Integer), sa.column("time_zone", sa.String))
    plans = sa.table("study_plan", sa.column("user_id", sa.Integer), sa.column("path_id", sa.Integer),
                     sa.column("weekdays", sa.Integer), sa.column("cue", sa.String), sa.column("minutes", sa.Integer),
                     sa.column("created_at", sa.DateTime), sa.column("updated_at", sa.DateTime))
    zones = {user_id: _zone(name) for user_id, name in connection.execute(sa.select(users.c.id, users.c.time_zone))}
    rows = [{"user_id": user_id, "path_id": path_id, "weekdays": weekdays, "cue": cue, "minutes": minutes,
             "starts": _first_week_judged(created_at, zones.get(user_id, UTC)), "made_at": _utc(updated_at)}
            for user_id, path_id, weekdays, cue, minutes, created_at, updated_at in connection.execute(
                sa.select(plans.c.user_id, plans.c.path_id, plans.c.weekdays, plans.c.cue, plans.c.minutes,
                          plans.c.created_at, plans.c.updated_at))]
    if rows:
        op.bulk_insert(versions, rows)


def downgrade() -> None:
    op.drop_table('streak_week')
    op.drop_index('ix_study_plan_version_path_id', table_name='study_plan_version')
    op.drop_table('study_plan_version')
