"""The group overview's numbers for a path with an elective section (any 2 of 4) equal `tally()`'s, learner by
learner, whatever each has read, skipped or started: the grouped SQL counts core sections, tally() the rest."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests import factories
from tests.section_rules import GRAPHQL, GRAPHQL_REQUIRED, elective, give_rules
from tracker.models import ProgressState
from tracker.services.mentoring import assignments
from tracker.services.mentoring import standings as assignment_views
from tracker.services.people import accounts
from tracker.services.people.passwords import PasswordPolicy
from tracker.services.progress import marks as progress
from tracker.services.teams import groups
from tracker.services.teams import overview as group_overviews

DONE, SKIPPED, READING = ProgressState.done, ProgressState.skipped, ProgressState.in_progress
# Each learner's marks on the elective section's four required articles and one optional one (by index).
MARKS = {
    "nobody": {},
    "one": {0: DONE},
    "two": {0: DONE, 3: DONE},                  # the section is read
    "three": {0: DONE, 1: DONE, 2: DONE},       # more than it asks adds nothing
    "mixed": {1: SKIPPED, 2: READING},          # one skipped, one being read
    "reading": {3: READING, 2: READING, 0: READING},
    "optional": {4: DONE, 0: SKIPPED, 1: SKIPPED},
}
OPTIONAL = "server-to-server-communication-technologies"


def test_the_overview_counts_an_elective_section_as_tally_does(session):
    give_rules(session, "api-designer", {GRAPHQL: elective(2, sequential=True)})
    group = groups.create_group(session=session, name="Elective team")
    mona = factories.user(session, "mona")
    slugs = [*GRAPHQL_REQUIRED, OPTIONAL]
    start = datetime.now(UTC) - timedelta(days=2)
    for name, marks in MARKS.items():
        learner = accounts.create_user(session=session, username=f"e-{name}", password="correct horse battery staple",
                                       policy=PasswordPolicy())
        groups.add_member(session=session, group=group, user=learner)
        session.commit()
        factories.mentor_of(session, "mona", learner.username)
        assignments.assign_path(session=session, mentor=mona, usernames=[learner.username],
                                path=factories.path(session, "api-designer"), today=date.today(),
                                due_on=date.today() + timedelta(days=20))
        progress.write_mark(session=session, user=learner, article=factories.article(session, "http-protocol"),
                            state=DONE, at=start)  # a core article too
        for index, state in marks.items():
            progress.write_mark(session=session, user=learner, article=factories.article(session, slugs[index]),
                                state=state, at=start + timedelta(hours=index + 1))
    group_overviews.forget_kept()
    now = datetime.now(UTC)
    cells = group_overviews.compute_cells(session=session, now=now, group=group)
    path_id = factories.path(session, "api-designer").id
    for name in MARKS:
        learner = factories.user(session, f"e-{name}")
        view = progress.path_progress(session=session, user=learner, slug="api-designer")
        assert view is not None
        expected, got = view.overall, cells[learner.id][path_id].tally
        assert (got.total, got.done, got.skipped, got.in_progress, got.minutes_left, got.estimated_minutes_left,
                got.percent) == (expected.total, expected.done, expected.skipped, expected.in_progress,
                                 expected.minutes_left, expected.estimated_minutes_left, expected.percent), name
        mentor_row = next(row for row in assignment_views.learner_assignments(session=session, learner=learner,
                                                                                now=now)
                          if row.path.id == path_id)
        assert cells[learner.id][path_id].status == mentor_row.status, name
    trend = group_overviews.trend_counts(session=session, group=group, ends=[now])
    counted = {}
    for row in cells.values():
        for cell in row.values():
            counted[cell.status] = counted.get(cell.status, 0) + 1
    assert dict(trend[-1].counts) == counted
