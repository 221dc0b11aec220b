"""An assignment of a path whose required prerequisite is not complete is made, but waits: never overdue nor
at risk meanwhile, no due-date reminders, and once the prerequisite is complete it is judged against the due
date it always had. The same for a mentor's assignment and a group rule's."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import select

from tests import factories
from tests.services.curriculum.test_prerequisites import finish, with_prerequisites
from tracker.models import Assignment, Notification, NotificationKind, utcnow
from tracker.services.mentoring import assignments, reminders
from tracker.services.mentoring.rules import AssignmentStatus
from tracker.services.mentoring.standings import learner_assignments
from tracker.services.teams import assignment_rules, groups
from tracker.services.teams import overview as group_overviews

DUE = date.today() + timedelta(days=5)


def assigned_while_waiting(session):
    """production-services requires api-designer; mona assigns it, due in 5 days, to a new mentee."""
    with_prerequisites(session, "production-services", ("api-designer", True))
    learner = factories.add_learners(session, "wait", 1)[0]
    factories.mentor_of(session, "mona", learner.username)
    assignments.assign_path(session=session, mentor=factories.user(session, "mona"), usernames=[learner.username],
                            path=factories.path(session, "production-services"), due_on=DUE, note="",
                            today=date.today())
    return learner


def test_an_assignment_made_while_waiting_is_made_and_says_what_it_waits_for(session):
    learner = assigned_while_waiting(session)
    assert session.exec(select(Assignment).where(Assignment.learner_id == learner.id)).one().due_on == DUE
    (view,) = learner_assignments(session=session, learner=learner, now=utcnow())
    assert view.status is AssignmentStatus.waiting
    assert [p.path.slug for p in view.waiting_for] == ["api-designer"]
    assert view.waiting_words() == "starts once you finish “API Designer”"
    assert not view.stale


def test_a_waiting_assignment_is_never_overdue_and_becomes_due_once_the_prerequisite_is_complete(session):
    learner = assigned_while_waiting(session)
    later = utcnow() + timedelta(days=30)  # long past the due date
    (view,) = learner_assignments(session=session, learner=learner, now=later)
    assert view.status is AssignmentStatus.waiting
    finish(session, learner, "api-designer")
    (view,) = learner_assignments(session=session, learner=learner, now=later)
    assert view.waiting_for == [] and view.status is AssignmentStatus.overdue  # the due date stands
    (today,) = learner_assignments(session=session, learner=learner, now=utcnow())
    assert today.status is not AssignmentStatus.waiting and today.status is not AssignmentStatus.overdue


def test_a_waiting_assignment_sends_no_due_date_reminders(session):
    learner = assigned_while_waiting(session)
    later = utcnow() + timedelta(days=30)
    views = learner_assignments(session=session, learner=learner, now=later)
    assert reminders.remind_due_dates(session=session, user=learner, today=later.date(), assignments=views) == 0
    kinds = set(session.exec(select(Notification.kind).where(Notification.user_id == learner.id)))
    assert NotificationKind.overdue not in kinds and NotificationKind.due_soon not in kinds


def test_a_group_rules_assignment_waits_too_and_the_overview_says_so(session):
    with_prerequisites(session, "production-services", ("api-designer", True))
    learner = factories.add_learners(session, "rule", 1)[0]
    ada = factories.user(session, "ada")
    group = groups.create_group(session=session, name="Waiting room")
    groups.add_member(session=session, group=group, user=learner)
    session.commit()
    rule = assignment_rules.create_rule(session=session, group=group, path=factories.path(session,
                                                                                           "production-services"),
                                        due_on=DUE, actor=ada, today=date.today())
    session.commit()
    assignment_rules.run(session=session, rule=rule, actor=ada, now=utcnow())
    later = utcnow() + timedelta(days=30)
    cells = group_overviews.compute_cells(session=session, now=later, group=group)
    (cell,) = cells[learner.id].values()
    assert cell.status is AssignmentStatus.waiting and cell.waiting_for == ("API Designer",)
    finish(session, learner, "api-designer")
    (cell,) = group_overviews.compute_cells(session=session, now=later, group=group)[learner.id].values()
    assert cell.status is AssignmentStatus.overdue and cell.waiting_for == ()
