"""activity per learner and day

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 13:30:00

- activity_day: each learner's progress changes (resets to "not started" are not activity) and card reviews
  per day of their time zone, counted on write from now on; the heatmap and the streak read it instead of
  the logs. Filled here from the event log and the reviews, in each learner's zone.

The downgrade drops the table: it is made from the logs, which stay; nothing is lost.
"""
from collections import Counter
from datetime import UTC, date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

CHUNK = 5_000


def _zone(name):
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _local_day(moment, zone):
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def upgrade() -> None:
    table = op.create_table(
        'activity_day',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('changes', sa.Integer(), nullable=False),
        sa.Column('reviews', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'day'),
    )
    connection = op.get_bind()
    users = sa.table("user", sa.column("id", sa.Integer), sa.column("time_zone", sa.String))
    events = sa.table("progress_event", sa.column("user_id", sa.Integer), sa.column("state", sa.String),
                      sa.column("created_at", sa.DateTime))
    reviews = sa.table("card_review", sa.column("user_id", sa.Integer), sa.column("reviewed_at", sa.DateTime))
    zones = {user_id: _zone(name) for user_id, name in connection.execute(sa.select(users.c.id, users.c.time_zone))}
    counted: dict[str, Counter[tuple[int, date]]] = {"changes": Counter(), "reviews": Counter()}
    for kind, query in (("changes", sa.select(events.c.user_id, events.c.created_at)
                                      .where(events.c.state != "not_started")),
                        ("reviews", sa.select(reviews.c.user_id, reviews.c.reviewed_at))):
        for user_id, moment in connection.execute(query.execution_options(yield_per=CHUNK)):
            counted[kind][(user_id, _local_day(moment, zones.get(user_id, UTC)))] += 1
    rows = [{"user_id": user_id, "day": day, "changes": counted["changes"][(user_id, day)],
             "reviews": counted["reviews"][(user_id, day)]}
            for user_id, day in counted["changes"].keys() | counted["reviews"].keys()]
    for start in range(0, len(rows), CHUNK):
        op.bulk_insert(table, rows[start:start + CHUNK])


def downgrade() -> None:
    op.drop_table('activity_day')
