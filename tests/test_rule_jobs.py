"""Assignment rules on the job queue: a queued run is run once however often its job is delivered, the hourly
reconciliation is claimed once an hour, and two workers running one rule at once assign and notify once."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, func, select

from tests import factories
from tracker.jobs import duties, jobs_for, queue_rule_run
from tracker.models import Assignment, AssignmentRule, Notification, RuleRun, RuleRunStatus, utcnow
from tracker.services import teams
from tracker.services.teams import assignment_rules as rules


def _group_with_rule(session, members: int = 5):
    group = teams.create_group(session=session, name="Platform")
    for user in factories.add_learners(session, "w", members):
        teams.add_member(session=session, group=group, user=user)
    rule = rules.create_rule(session=session, group=group, path=factories.path(session, "api-designer"),
                             due_on=date(2031, 1, 31), actor=factories.user(session, "ada"), today=date(2030, 1, 1))
    session.commit()
    return group, rule


def run_pending(app) -> list[str]:
    """Run what the queue holds, as a worker would; the names of the tasks run."""
    huey = jobs_for(app).huey
    ran = []
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran.append(task.name)
    return ran


def _counts(session) -> tuple[int, int]:
    session.expire_all()
    assignments = session.exec(select(func.count()).select_from(Assignment).where(
        col(Assignment.rule_id).is_not(None))).one()
    notes = session.exec(select(func.count()).select_from(Notification).where(
        col(Notification.key).startswith("rule-assigned"))).one()
    return assignments, notes


def test_a_queued_run_is_run_by_the_queue_once_even_when_its_job_comes_twice(app, session):
    _group, rule = _group_with_rule(session)
    run = rules.queue_run(session=session, rule=rule, actor=factories.user(session, "ada"))
    session.commit()
    with app.app_context():
        queue_rule_run(run.id)
        queue_rule_run(run.id)  # delivered twice (a retry, a second machine)
    assert run_pending(app) == [duties.RULE_RUN, duties.RULE_RUN]
    session.expire_all()
    done = session.get(RuleRun, run.id)
    assert (done.status, done.assigned, done.started_by_label) == (RuleRunStatus.done, 5, "ada")
    assert _counts(session) == (5, 5)
    assert session.exec(select(func.count()).select_from(RuleRun)).one() == 1


def test_the_hourly_reconciliation_is_claimed_once_an_hour_and_runs_every_enabled_rule(app, session):
    app.config.update(JOB_PERIOD_SECONDS=60)
    app.extensions.pop("tracker.jobs", None)
    _group, rule = _group_with_rule(session)
    off = rules.create_rule(session=session, group=_group, path=factories.path(session, "real-time-streaming"),
                            actor=None, today=date(2030, 1, 1))
    off.enabled = False
    session.commit()
    jobs = jobs_for(app)
    start = 1_900_000_000 // 3600 * 3600
    assert "assignment-rules" in duties.enqueue_due(jobs, now=start + 5)
    assert "assignment-rules" not in duties.enqueue_due(jobs, now=start + 65)  # the next minute's round
    assert "assignment-rules" not in duties.enqueue_due(jobs, now=start + 3599)
    assert run_pending(app).count("assignment-rules") == 1
    session.expire_all()
    (logged,) = session.exec(select(RuleRun)).all()
    assert (logged.rule_id, logged.started_by_label, logged.assigned) == (rule.id, "schedule", 5)
    assert "assignment-rules" in duties.enqueue_due(jobs, now=start + 3600)
    run_pending(app)
    session.expire_all()
    again = session.exec(select(RuleRun).order_by(col(RuleRun.id).desc())).first()
    assert (again.assigned, again.unchanged) == (0, 5)  # the hour after: nothing to change


def test_a_run_whose_job_was_lost_is_run_by_the_hourly_round(app, session):
    _group, rule = _group_with_rule(session, members=2)
    run = rules.queue_run(session=session, rule=rule, actor=None)
    session.commit()  # and the queue never heard of it
    with app.app_context():
        duties.assignment_rules_round()
    session.expire_all()
    assert session.get(RuleRun, run.id).status is RuleRunStatus.done
    assert _counts(session) == (2, 2)


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_two_workers_running_one_rule_at_once_assign_and_notify_each_member_once(app, session):
    """Both read that nobody has the path, then both write at the same moment: the second's inserts wait for
    the first's commit and then find the rows there."""
    _group, rule = _group_with_rule(session, members=20)
    rule_id = rule.id
    engine = app.extensions["tracker.engine"]
    both_planned = threading.Barrier(2, timeout=10)
    waiting = threading.local()

    def hold_the_first_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO assignment ") and not getattr(waiting, "done", False):
            waiting.done = True
            both_planned.wait()

    event.listen(engine, "before_cursor_execute", hold_the_first_insert)
    results: list = []

    def worker() -> None:
        with Session(engine) as own:
            try:
                results.extend((r.status, r.assigned, r.unchanged) for r in rules.run(
                    session=own, rule=own.get_one(AssignmentRule, rule_id), actor=None, now=utcnow()))
            except Exception as exc:  # reported below
                results.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(engine, "before_cursor_execute", hold_the_first_insert)
    assert sorted(results) == [(RuleRunStatus.done, 0, 20), (RuleRunStatus.done, 20, 0)], results
    assert _counts(session) == (20, 20)
