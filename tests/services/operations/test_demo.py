"""The demo accounts look lived-in: history, a mentor, and an assignment already under way."""

from tracker.models import utcnow
from tracker.services.mentoring import standings as assignment_views
from tracker.services.mentoring.rules import AssignmentStatus
from tracker.services.operations import demo
from tracker.services.people import accounts
from tracker.services.people.passwords import PasswordPolicy


def test_the_demo_learner_has_history_and_an_assignment_under_way(session):
    created = demo.create_demo(session=session, now=utcnow(), policy=PasswordPolicy())
    assert {account.username for account in created} == {"demo-learner", "demo-mentor", "demo-admin"}
    learner = accounts.get_user(session=session, username="demo-learner")
    rows = assignment_views.learner_assignments(session=session, learner=learner, now=utcnow())
    mentor_made, team_made = sorted(rows, key=lambda row: row.group is not None)
    assert mentor_made.path.slug == "api-designer" and mentor_made.tally.done > 0
    assert mentor_made.status is not AssignmentStatus.not_started  # assigned before the demo's history began
    # the team's rule gave every member its path
    assert team_made.path.slug == "production-services" and team_made.group.name == "Platform team"
    # a restart renews passwords, adds no history
    again = demo.create_demo(session=session, now=utcnow(), policy=PasswordPolicy())
    assert [a.password for a in again] != [a.password for a in created]
    assert len(assignment_views.learner_assignments(session=session, learner=learner, now=utcnow())) == 2


def test_the_demo_learner_is_not_told_of_new_articles_on_a_path_they_never_finished(session):
    from tracker.services.progress import catch_up
    from tracker.services.progress import marks as progress

    demo.create_demo(session=session, now=utcnow(), policy=PasswordPolicy())
    learner = accounts.get_user(session=session, username="demo-learner")
    view = progress.path_progress(session=session, user=learner, slug="production-services")
    assert view.overall.done > 0 and not view.overall.complete
    assert catch_up.for_path(session=session, learner=learner, view=view) is None


def test_the_demo_learner_has_recall_cards_to_review(session):
    from tracker.services.learning import recall

    demo.create_demo(session=session, now=utcnow(), policy=PasswordPolicy())
    learner = accounts.get_user(session=session, username="demo-learner")
    due = recall.due_cards(session=session, user=learner, now=utcnow())
    assert len(due) == 2 and recall.next_due(session=session, user=learner) is not None
