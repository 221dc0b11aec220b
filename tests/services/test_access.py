"""The access rules, one function each, per role."""

import pytest

from tests import factories
from tracker.models import LearningPath, PathStatus, Role, User
from tracker.services import access


def path(status: PathStatus) -> LearningPath:
    return LearningPath(slug="p", title="P", weeks_min=1, status=status)


@pytest.mark.parametrize(("role", "draft", "archived"), [
    (None, False, True), (Role.learner, False, True), (Role.mentor, False, True), (Role.admin, True, True),
])
def test_drafts_are_seen_by_admins_only_and_archived_paths_by_anyone(role, draft, archived):
    user = User(username="u", password_hash="x", role=role) if role else None
    assert access.can_see_path(user, path(PathStatus.draft)) is draft
    assert access.can_see_path(user, path(PathStatus.archived)) is archived
    assert access.can_see_path(user, path(PathStatus.published)) is True


def test_only_published_paths_take_followers_and_assignments():
    for status in PathStatus:
        assert access.can_follow_path(path(status)) is (status is PathStatus.published)
        assert access.can_be_assigned(path(status)) is (status is PathStatus.published)


def test_the_path_list_offers_everything_to_admins_and_published_paths_to_others():
    assert access.listed_statuses(User(username="a", password_hash="x", role=Role.admin)) is None
    assert access.listed_statuses(None) == (PathStatus.published.value,)


def test_a_learner_is_looked_after_by_an_admin_or_their_active_mentor_only(session):
    lena, mona, ada, leo = (factories.user(session, n) for n in ("lena", "mona", "ada", "leo"))
    assert not access.can_look_after(session=session, viewer=mona, learner=lena)
    factories.mentor_of(session, "mona", "lena")
    assert access.can_look_after(session=session, viewer=mona, learner=lena)
    assert access.can_look_after(session=session, viewer=ada, learner=lena)
    assert not access.can_look_after(session=session, viewer=leo, learner=lena)
    assert not access.can_look_after(session=session, viewer=mona, learner=None)
    assert not access.can_look_after(session=session, viewer=None, learner=lena)


def test_a_mentor_demoted_to_learner_no_longer_looks_after_their_mentees(session):
    factories.mentor_of(session, "mona", "lena")
    mona = factories.user(session, "mona")
    mona.role = Role.learner
    session.commit()
    assert not access.can_look_after(session=session, viewer=mona, learner=factories.user(session, "lena"))


@pytest.mark.parametrize(("role", "reads"), [(None, False), (Role.learner, False), (Role.mentor, False),
                                             (Role.admin, True)])
def test_only_admins_read_the_audit_log(role, reads):
    user = User(username="u", password_hash="x", role=role) if role else None
    assert access.can_read_audit_log(user) is reads
