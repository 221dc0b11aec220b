"""Assignment rules: a group's path given to whoever joins, withdrawn from whoever leaves, kept true by runs that
change nothing the second time, and previewed exactly."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import event
from sqlmodel import col, select

from tests import factories
from tracker.models import Assignment, AuditEvent, GroupMember, Notification, PathStatus, ProgressState, RuleRun, utcnow
from tracker.services import teams
from tracker.services.mentoring import assignments
from tracker.services.progress import marks
from tracker.services.teams import RuleError
from tracker.services.teams import assignment_rules as rules
from tracker.services.teams.assignment_rules import ChangeKind

TODAY = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def group_of(session, name, *usernames):
    group = teams.create_group(session=session, name=name)
    for username in usernames:
        teams.add_member(session=session, group=group, user=factories.user(session, username))
    session.commit()
    return group


def rule_for(session, group, slug="api-designer", *, ran=True, **fields):
    """A rule for the group, run once (as the job queued by making it would) unless `ran` is False."""
    fields.setdefault("due_days_after_joining", None if "due_on" in fields else 30)
    rule = rules.create_rule(session=session, group=group, path=factories.path(session, slug),
                             actor=factories.user(session, "ada"), today=TODAY, **fields)
    session.commit()
    if ran:
        rules.run(session=session, rule=rule, actor=None, now=utcnow())
    return rule


def assignment_of(session, username, slug="api-designer") -> Assignment | None:
    session.expire_all()
    return session.exec(select(Assignment).where(
        Assignment.learner_id == factories.user(session, username).id,
        Assignment.path_id == factories.path(session, slug).id)).one_or_none()


def run(session, rule, *, now=NOW):
    (done,) = rules.run(session=session, rule=rule, actor=factories.user(session, "ada"), now=now)
    return done


def test_running_a_rule_assigns_every_member_due_days_after_they_joined(session, clock):
    group = group_of(session, "Platform", "lena", "leo")
    rule = rule_for(session, group, ran=False, note="Start with the first section.")
    done = run(session, rule)
    assert (done.assigned, done.withdrawn, done.due_changed, done.unchanged, done.status) == (2, 0, 0, 0, "done")
    for name in ("lena", "leo"):
        assignment = assignment_of(session, name)
        assert assignment.due_on == TODAY + timedelta(days=30) and assignment.rule_id == rule.id
        assert assignment.mentor_id is None and assignment.note == "Start with the first section."
    notes = session.exec(select(Notification).where(Notification.user_id == factories.user(session, "lena").id)).all()
    assert [n.message for n in notes] == [f"Platform: you are assigned “API Designer”, due "
                                          f"{(TODAY + timedelta(days=30)).strftime('%b %-d, %Y')}."]
    kinds = [(e.kind, e.actor_label, e.subject_label) for e in session.exec(
        select(AuditEvent).where(col(AuditEvent.kind).in_(["enrolled", "rule_run"])).order_by(col(AuditEvent.id)))]
    assert kinds == [("enrolled", "rule", "lena"), ("enrolled", "rule", "leo"), ("rule_run", "ada", "")]


def test_someone_who_joins_later_gets_the_path_at_once_due_by_the_day_they_joined_in_their_time_zone(session):
    group = group_of(session, "Platform")
    rule_for(session, group, due_days_after_joining=14)
    lena = factories.user(session, "lena")
    lena.time_zone = "Pacific/Auckland"
    session.commit()
    # 20:00 in London on March 1st is already March 2nd in Auckland: her fortnight starts there
    with time_machine.travel(datetime(2026, 3, 1, 20, tzinfo=UTC), tick=False):
        teams.add_member(session=session, group=group, user=lena)
        session.commit()
    assert assignment_of(session, "lena").due_on == date(2026, 3, 16)


def test_leaving_withdraws_the_rules_assignment_and_keeps_the_progress(session, clock):
    group = group_of(session, "Platform", "lena")
    rule_for(session, group)
    lena = factories.user(session, "lena")
    marks.write_mark(session=session, user=lena, article=factories.article(session, "http-protocol"),
                     state=ProgressState.done)
    teams.remove_member(session=session, group=group, user=lena)
    session.commit()
    assignment = assignment_of(session, "lena")
    assert assignment.withdrawn_at is not None
    assert marks.path_progress(session=session, user=lena, slug="api-designer").overall.done == 1
    withdrawn = session.exec(select(Notification).where(Notification.user_id == lena.id,
                                                        col(Notification.key).startswith("rule-withdrawn"))).one()
    assert "no longer in Platform" in withdrawn.message and "progress on it is kept" in withdrawn.message
    # coming back revives the same row
    teams.add_member(session=session, group=group, user=factories.user(session, "lena"))
    session.commit()
    again = assignment_of(session, "lena")
    assert again.id == assignment.id and again.withdrawn_at is None


def test_a_path_two_groups_give_stays_when_one_of_them_is_left_and_moves_to_the_other_rule(session, clock):
    platform, guild = group_of(session, "Platform", "lena"), group_of(session, "API guild", "lena")
    first = rule_for(session, platform, due_days_after_joining=30)
    second = rule_for(session, guild, due_on=date(2026, 6, 1))
    assert assignment_of(session, "lena").rule_id == first.id  # the guild's rule found it assigned already
    teams.remove_member(session=session, group=platform, user=factories.user(session, "lena"))
    session.commit()
    kept = assignment_of(session, "lena")
    assert kept.withdrawn_at is None and kept.rule_id == second.id and kept.due_on == date(2026, 6, 1)
    teams.remove_member(session=session, group=guild, user=factories.user(session, "lena"))
    session.commit()
    assert assignment_of(session, "lena").withdrawn_at is not None


def test_running_again_changes_nothing(session, clock):
    group = group_of(session, "Platform", "lena", "leo", "mona")
    rule = rule_for(session, group)
    notes_before = len(session.exec(select(Notification)).all())
    again = run(session, rule)
    assert session.exec(select(RuleRun).where(RuleRun.rule_id == rule.id)).all()[0].assigned == 3
    assert (again.assigned, again.withdrawn, again.due_changed, again.unchanged) == (0, 0, 0, 3)
    assert len(session.exec(select(Notification)).all()) == notes_before
    assert all(change.kind is ChangeKind.keep for change in rules.preview(session=session, rule=rule, now=NOW).changes)


def test_a_mentors_own_assignment_and_due_date_are_left_as_they_were(session, clock):
    factories.mentor_of(session, "mona", "lena")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), due_on=date(2026, 4, 1), today=TODAY)
    group = group_of(session, "Platform", "lena")
    rule = rule_for(session, group, ran=False)
    plan = rules.preview(session=session, rule=rule, now=NOW)
    assert [(c.learner.username, c.kind, c.reason) for c in plan.changes] == [
        ("lena", ChangeKind.keep, "a mentor assigned it; their assignment and due date stand")]
    run(session, rule)
    kept = assignment_of(session, "lena")
    assert (kept.due_on, kept.rule_id, kept.mentor_id) == (date(2026, 4, 1), None, factories.user(session, "mona").id)
    teams.remove_member(session=session, group=group, user=factories.user(session, "lena"))
    session.commit()
    assert assignment_of(session, "lena").withdrawn_at is None  # the mentor's, not the rule's to take away


def test_the_preview_says_exactly_what_the_run_then_does(session, clock):
    """Differential: every kind of person at once; the preview's lines are the run's counts and end state."""
    factories.add_learners(session, "p", 6)
    factories.mentor_of(session, "mona", "p000")
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["p000"],
                            path=factories.path(session, "api-designer"), due_on=date(2026, 5, 1), today=TODAY)
    group = group_of(session, "Platform", "p000", "p001", "p002", "p003", "p004")
    other = group_of(session, "Guild", "p004")
    rule = rule_for(session, group, due_days_after_joining=10)
    rule_for(session, other, due_on=date(2026, 7, 1))
    # p003 left while the rule was off (no hook ran for it: the rule's assignment still stands), p002's
    # assignment was withdrawn by hand, p004 leaves but the guild's rule covers it, p005 joins
    rule.enabled = False
    session.add(rule)
    session.commit()
    session.delete(session.exec(select(GroupMember).where(
        GroupMember.user_id == factories.user(session, "p003").id, GroupMember.group_id == group.id)).one())
    session.commit()
    p002 = assignment_of(session, "p002")
    p002.withdrawn_at = utcnow()
    session.add(p002)
    session.commit()
    teams.remove_member(session=session, group=group, user=factories.user(session, "p004"))
    teams.add_member(session=session, group=group, user=factories.user(session, "p005"))
    session.commit()
    rule.enabled = True
    rule.due_days_after_joining = 20
    session.add(rule)
    session.commit()

    plan = rules.preview(session=session, rule=rule, now=NOW)
    said = {c.learner.username: (c.kind, c.due_on) for c in plan.changes}
    done = run(session, rule)
    assert (done.assigned, done.withdrawn, done.due_changed, done.unchanged) == (
        plan.count(ChangeKind.assign), plan.count(ChangeKind.withdraw), plan.count(ChangeKind.due_date),
        plan.count(ChangeKind.keep))
    assert said["p000"] == (ChangeKind.keep, date(2026, 5, 1))
    assert said["p002"][0] is ChangeKind.assign and said["p005"][0] is ChangeKind.assign
    assert said["p001"] == (ChangeKind.due_date, TODAY + timedelta(days=20))
    for name, (kind, due) in said.items():
        assignment = assignment_of(session, name)
        if kind is ChangeKind.withdraw:
            assert assignment.withdrawn_at is not None, name
        else:
            assert assignment.withdrawn_at is None and assignment.due_on == due, name
    assert all(c.kind is ChangeKind.keep for c in rules.preview(session=session, rule=rule, now=NOW).changes)


def test_deleting_a_rule_withdraws_what_it_assigned_and_the_preview_says_so_first(session, clock):
    group = group_of(session, "Platform", "lena", "leo")
    rule = rule_for(session, group)
    plan = rules.preview(session=session, rule=rule, now=NOW, removing=True)
    assert [(c.learner.username, c.kind) for c in plan.changes] == [("lena", ChangeKind.withdraw),
                                                                    ("leo", ChangeKind.withdraw)]
    counts = rules.delete_rule(session=session, rule=rule, actor=factories.user(session, "ada"), now=NOW)
    session.commit()
    assert counts.withdrawn == 2
    assert assignment_of(session, "lena").withdrawn_at is not None
    assert rules.list_rules(session=session, group=group) == []
    last = session.exec(select(RuleRun).order_by(col(RuleRun.id).desc())).first()
    assert last.withdrawn == 2 and last.rule_label.startswith("deleted: API Designer")


def test_a_disabled_rule_assigns_nobody_who_joins(session, clock):
    group = group_of(session, "Platform")
    rule = rule_for(session, group)
    rules.edit_rule(session=session, rule=rule, due_on=None, due_days_after_joining=30, recur_months=None,
                    note="", enabled=False, actor=None, today=TODAY)
    teams.add_member(session=session, group=group, user=factories.user(session, "lena"))
    session.commit()
    assert assignment_of(session, "lena") is None


def test_a_recurring_rule_gives_its_months_and_the_start_of_the_period(session, clock):
    group = group_of(session, "Platform", "lena")
    rule_for(session, group, recur_months=12)
    assignment = assignment_of(session, "lena")
    assert (assignment.recur_months, assignment.period_started_on) == (12, TODAY)


@pytest.mark.parametrize(("fields", "message"), [
    ({"due_on": date(2026, 3, 9), "due_days_after_joining": None}, "The due date is in the past."),
    ({"due_days_after_joining": 0}, "Days after joining must be from 1 to 3650."),
    ({"due_days_after_joining": 3651}, "Days after joining must be from 1 to 3650."),
    ({"due_on": date(2026, 4, 1), "due_days_after_joining": 3}, "not both"),
    ({"recur_months": 61}, "Repeat every 1 to 60 months"),
    ({"recur_months": 0}, "Repeat every 1 to 60 months"),
    ({"note": "x" * 1001}, "The note is 1001 characters"),
])
def test_a_rule_with_a_bad_due_date_repeat_or_note_is_refused_and_nothing_is_saved(session, fields, message):
    group = group_of(session, "Platform", "lena")
    with pytest.raises(RuleError, match=message):
        rule_for(session, group, **fields)
    session.rollback()
    assert rules.list_rules(session=session, group=group) == []


def test_only_a_published_path_can_be_a_rule_and_only_once_per_group(session):
    group = group_of(session, "Platform")
    path = factories.path(session, "api-designer")
    path.status = PathStatus.draft
    session.add(path)
    session.commit()
    with pytest.raises(RuleError, match="only published paths can be assigned"):
        rule_for(session, group)
    session.rollback()
    rule_for(session, group, slug="real-time-streaming")
    with pytest.raises(RuleError, match="already has a rule"):
        rule_for(session, group, slug="real-time-streaming")


def _statements(session, work) -> int:
    seen: list[str] = []

    def count(*args) -> None:
        seen.append(args[2])

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


JOIN_BUDGET = 6  # the rules, the person's assignments of their paths, the assignment, its notification, audit


def test_a_join_costs_a_few_statements_more_however_large_the_group(session, clock):
    factories.add_learners(session, "m", 300)
    quiet, ruled = group_of(session, "Quiet"), group_of(session, "Ruled")
    for user in factories.add_learners(session, "x", 300):
        teams.add_member(session=session, group=ruled, user=user)
    session.commit()
    rule_for(session, ruled)

    def join(group, username):
        def work():
            teams.add_member(session=session, group=group, user=factories.user(session, username))
            session.flush()
        return work

    factories.user(session, "m000"), factories.user(session, "m001")
    without = _statements(session, join(quiet, "m000"))
    with_rule = _statements(session, join(ruled, "m001"))
    session.commit()
    print(f"\nstatements for a join: {without} without rules, {with_rule} with one rule")
    assert with_rule - without <= JOIN_BUDGET, (without, with_rule)
    assert assignment_of(session, "m001").rule_id is not None


def test_a_path_a_mentor_assigns_again_after_the_rule_withdrew_it_is_the_mentors_and_stays(session, clock):
    factories.mentor_of(session, "mona", "lena")
    group = group_of(session, "Platform", "lena")
    rule_for(session, group)
    teams.remove_member(session=session, group=group, user=factories.user(session, "lena"))
    session.commit()
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=["lena"],
                            path=factories.path(session, "api-designer"), today=TODAY)
    teams.add_member(session=session, group=group, user=factories.user(session, "lena"))
    teams.remove_member(session=session, group=group, user=factories.user(session, "lena"))
    session.commit()
    kept = assignment_of(session, "lena")
    assert kept.withdrawn_at is None and kept.rule_id is None


def test_a_learner_asking_to_unfollow_a_rules_path_is_told_a_rule_of_their_group_assigned_it(session, clock):
    group = group_of(session, "Platform", "lena")
    rule_for(session, group, due_on=date(2026, 4, 1))
    with pytest.raises(assignments.AssignedPath, match="A rule of your group assigned “API Designer”, due Apr 1"):
        assignments.refuse_unfollow(session=session, learner=factories.user(session, "lena"),
                                    path=factories.path(session, "api-designer"))
