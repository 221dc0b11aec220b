"""What changed since you finished: the exact difference from the version a learner finished to the current one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlmodel import col, select, update

from tests import factories
from tracker.models import Article, Credential, LearningPath, PathVersion, ProgressState, SectionKind
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store
from tracker.services.curriculum.format import ItemDefinition, PathDefinition
from tracker.services.progress import catch_up, follows
from tracker.services.progress import marks as progress

SLUG = "api-designer"
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)


def definition(session) -> PathDefinition:
    return path_queries.path_definition(session=session, path=factories.path(session, SLUG))


def spare_articles(session, count: int) -> list[str]:
    """Articles of the catalog that are not on the path (full articles with titles of their own)."""
    on_path = set(definition(session).article_slugs())
    titles = {a.title for a in session.exec(select(Article).where(col(Article.slug).in_(on_path)))}
    spare = [a.slug for a in session.exec(select(Article).where(col(Article.link_only).is_(False))
                                          .order_by(col(Article.slug)))
             if a.slug not in on_path and a.title not in titles]
    return spare[:count]


def save(session, changed: PathDefinition) -> None:
    """An admin saves the path as a new version, a little later than everything before."""
    path = factories.path(session, SLUG)
    path_store.save_path(session=session, definition=changed, base_version=path.version,
                         author=factories.user(session, "ada"))
    session.expire_all()


def with_items(session, section: int, items: list[ItemDefinition], **rule) -> PathDefinition:
    current = definition(session)
    sections = [s.model_copy(deep=True) for s in current.sections]
    sections[section] = sections[section].model_copy(update={"items": items, **rule})
    return current.model_copy(update={"sections": sections})


def required_slugs(session) -> list[str]:
    return [item.slug for s in definition(session).sections for item in s.items if not item.optional]


def finish(session, username: str, at: datetime = LONG_AGO) -> None:
    """The learner reads every required article of the path as it stands, at `at` (before any later version)."""
    learner = factories.user(session, username)
    path = factories.path(session, SLUG)
    follows.follow_path(session=session, user=learner, path=path)
    for slug in required_slugs(session):
        progress.write_mark(session=session, user=learner, article=factories.article(session, slug),
                            state=ProgressState.done, at=at)
    backdate_versions(session, at)


def backdate_versions(session, before: datetime = LONG_AGO) -> None:
    """The versions saved since `before` were saved just before it (the learner read them while in force)."""
    session.exec(update(PathVersion).where(col(PathVersion.created_at) > before)
                 .values(created_at=before - timedelta(days=1)))
    session.commit()


def listed(session, username: str) -> catch_up.CatchUp | None:
    view = progress.path_progress(session=session, user=factories.user(session, username), slug=SLUG)
    assert view is not None
    return catch_up.for_path(session=session, learner=factories.user(session, username), view=view)


def slugs_of(found: catch_up.CatchUp | None) -> list[str]:
    return [item.entry.card.article.slug for item in found.items] if found else []


def add_core(session, *slugs: str) -> None:
    current = definition(session)
    save(session, with_items(session, 0, [*current.sections[0].items, *(ItemDefinition(slug=s) for s in slugs)]))


def test_a_learner_who_finished_sees_exactly_the_required_articles_the_next_version_added(session):
    finish(session, "lena")
    new = spare_articles(session, 2)
    add_core(session, *new)
    found = listed(session, "lena")
    assert found is not None and slugs_of(found) == new
    assert (found.finished_version, found.current_version, found.added, found.left) == (1, 2, 2, 2)
    assert [item.state for item in found.items] == [ProgressState.not_started] * 2
    assert found.summary == "finished v1 · 2 to catch up"


def test_removed_articles_optional_additions_and_reorders_are_not_listed(session):
    finish(session, "lena")
    [extra] = spare_articles(session, 1)
    first = definition(session).sections[0]
    required = [item for item in first.items if not item.optional]
    kept = [item for item in first.items if item is not required[0]]  # one required article removed
    save(session, with_items(session, 0, [*reversed(kept), ItemDefinition(slug=extra, optional=True)]))
    assert listed(session, "lena") is None


def test_a_replacement_is_listed_and_the_article_it_replaced_is_not(session):
    finish(session, "lena")
    [replacement] = spare_articles(session, 1)
    first = definition(session).sections[0]
    required = [item for item in first.items if not item.optional]
    items = [ItemDefinition(slug=replacement) if item is required[0] else item for item in first.items]
    save(session, with_items(session, 0, items))
    assert slugs_of(listed(session, "lena")) == [replacement]


def test_an_article_already_read_elsewhere_shows_as_done_and_does_not_count_as_left(session):
    finish(session, "lena")
    read, unread = spare_articles(session, 2)
    lena = factories.user(session, "lena")
    progress.write_mark(session=session, user=lena, article=factories.article(session, read), state=ProgressState.done)
    add_core(session, read, unread)
    found = listed(session, "lena")
    assert [(item.entry.card.article.slug, item.state) for item in found.items] == [
        (read, ProgressState.done), (unread, ProgressState.not_started)]
    assert (found.added, found.left) == (2, 1)


def test_a_learner_who_had_not_finished_sees_no_catch_up_list(session):
    leo = factories.user(session, "leo")
    follows.follow_path(session=session, user=leo, path=factories.path(session, SLUG))
    for slug in required_slugs(session)[:-1]:
        progress.write_mark(session=session, user=leo, article=factories.article(session, slug),
                            state=ProgressState.done, at=LONG_AGO)
    backdate_versions(session)
    add_core(session, *spare_articles(session, 1))
    assert listed(session, "leo") is None


def test_learners_who_finished_different_versions_see_different_lists(session):
    finish(session, "lena")
    first, second = spare_articles(session, 2)
    add_core(session, first)
    finish(session, "leo", at=LONG_AGO + timedelta(days=10))  # leo finished version 2, first included
    add_core(session, second)
    assert slugs_of(listed(session, "lena")) == [first, second]
    assert slugs_of(listed(session, "leo")) == [second]
    assert (listed(session, "lena").finished_version, listed(session, "leo").finished_version) == (1, 2)
    assert listed(session, "lena").versions == "Versions 2 to 3"


def test_the_credentials_version_is_the_one_finished_even_after_partly_catching_up(session):
    finish(session, "lena")
    lena = factories.user(session, "lena")
    session.add(Credential(public_id="c1", user_id=lena.id, path_id=factories.path(session, SLUG).id, path_slug=SLUG,
                           path_title="API Designer", path_version=1, articles_read=9, jwt=""))
    session.commit()
    first, second = spare_articles(session, 2)
    add_core(session, first, second)
    progress.write_mark(session=session, user=lena, article=factories.article(session, first),
                        state=ProgressState.done)
    found = listed(session, "lena")
    assert found.credential is not None and found.finished_version == 1
    assert [item.state for item in found.items] == [ProgressState.done, ProgressState.not_started]
    assert found.left == 1


def test_partly_catching_up_without_a_credential_keeps_the_version_finished(session):
    finish(session, "leo")
    first, second = spare_articles(session, 2)
    add_core(session, first, second)
    progress.write_mark(session=session, user=factories.user(session, "leo"), article=factories.article(session, first),
                        state=ProgressState.done)
    found = listed(session, "leo")
    assert found.finished_version == 1 and found.left == 1


def test_catching_up_on_everything_leaves_no_list(session):
    finish(session, "lena")
    new = spare_articles(session, 2)
    add_core(session, *new)
    for slug in new:
        progress.write_mark(session=session, user=factories.user(session, "lena"),
                            article=factories.article(session, slug), state=ProgressState.done)
    assert listed(session, "lena") is None


def test_an_admin_restoring_an_older_version_lists_the_difference_from_what_was_finished(session):
    [new] = spare_articles(session, 1)
    first = definition(session).sections[0]
    removed = next(item for item in first.items if not item.optional)
    save(session, with_items(session, 0, [i for i in first.items if i is not removed] + [ItemDefinition(slug=new)]))
    finish(session, "lena", at=LONG_AGO + timedelta(days=10))  # version 2: the new article read, not the removed
    path = factories.path(session, SLUG)
    path_store.restore_version(session=session, path=path, version=1, base_version=2,
                               author=factories.user(session, "ada"))  # version 3: version 1's content again
    session.expire_all()
    found = listed(session, "lena")
    assert slugs_of(found) == [removed.slug]  # back as required; the article version 3 dropped is not listed
    assert (found.finished_version, found.current_version) == (2, 3)


def test_restoring_a_version_that_asks_less_leaves_nothing_to_catch_up(session):
    [new] = spare_articles(session, 1)
    add_core(session, new)  # version 2
    finish(session, "lena", at=LONG_AGO + timedelta(days=10))
    path = factories.path(session, SLUG)
    path_store.restore_version(session=session, path=path, version=1, base_version=2,
                               author=factories.user(session, "ada"))
    session.expire_all()
    assert listed(session, "lena") is None


def test_two_versions_in_a_row_list_the_difference_from_the_finished_one_to_now(session):
    finish(session, "lena")
    first, second, third = spare_articles(session, 3)
    add_core(session, first, second)  # version 2
    current = definition(session).sections[0]
    save(session, with_items(session, 0, [i for i in current.items if i.slug != first] + [ItemDefinition(slug=third)]))
    found = listed(session, "lena")
    assert slugs_of(found) == [second, third]  # the first came and went: not listed
    assert (found.finished_version, found.current_version) == (1, 3)


def test_an_elective_section_asking_more_lists_its_articles_and_how_many_more(session):
    a, b, c = spare_articles(session, 3)
    current = definition(session)
    sections = [*current.sections, current.sections[0].model_copy(update={
        "title": "Pick one", "kind": SectionKind.elective, "pick": 1,
        "items": [ItemDefinition(slug=a), ItemDefinition(slug=b)]})]
    save(session, current.model_copy(update={"sections": sections}))
    finish(session, "lena")  # every required article read, a and b included
    lena = factories.user(session, "lena")
    progress.write_mark(session=session, user=lena, article=factories.article(session, b),
                        state=ProgressState.not_started)
    latest = definition(session)
    sections = [*latest.sections[:-1], latest.sections[-1].model_copy(update={
        "pick": 2, "items": [*latest.sections[-1].items, ItemDefinition(slug=c)]})]
    save(session, latest.model_copy(update={"sections": sections}))
    found = listed(session, "lena")
    [section] = found.sections
    assert section.elective and section.title == "Pick one"
    assert [item.entry.card.article.slug for item in section.items] == [a, b, c]
    assert (section.asked, section.left) == (1, 1)


def test_an_elective_section_asking_the_same_is_not_listed(session):
    a, b, c = spare_articles(session, 3)
    current = definition(session)
    sections = [*current.sections, current.sections[0].model_copy(update={
        "title": "Pick one", "kind": SectionKind.elective, "pick": 1,
        "items": [ItemDefinition(slug=a), ItemDefinition(slug=b)]})]
    save(session, current.model_copy(update={"sections": sections}))
    finish(session, "lena")
    latest = definition(session)
    sections = [*latest.sections[:-1], latest.sections[-1].model_copy(update={
        "items": [*latest.sections[-1].items, ItemDefinition(slug=c)]})]
    save(session, latest.model_copy(update={"sections": sections}))
    assert listed(session, "lena") is None


def statements_of(session, call) -> int:
    seen: list[str] = []

    def count(*args) -> None:
        seen.append(args[2])

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_lists_of_many_paths_take_as_many_queries_as_one(session):
    finish(session, "lena")
    add_core(session, *spare_articles(session, 1))
    lena = factories.user(session, "lena")
    for path in session.exec(select(LearningPath)).all():
        follows.follow_path(session=session, user=lena, path=path)
    views = progress.my_paths(session=session, user=lena)
    mine = [view for view in views if view.path.slug == SLUG]
    assert len(views) > 1
    catch_up.for_views(session=session, learner=lena, views=views)  # what the process keeps, kept
    one = statements_of(session, lambda: catch_up.for_views(session=session, learner=lena, views=mine))
    many = statements_of(session, lambda: catch_up.for_views(session=session, learner=lena, views=views))
    assert many == one <= 6


def test_a_revoked_credential_names_no_version_and_the_list_says_nothing_of_a_certificate(session):
    finish(session, "lena")
    lena = factories.user(session, "lena")
    session.add(Credential(public_id="c2", user_id=lena.id, path_id=factories.path(session, SLUG).id, path_slug=SLUG,
                           path_title="API Designer", path_version=1, articles_read=9, jwt="",
                           revoked_at=LONG_AGO + timedelta(days=1), revoked_reason="Copied"))
    session.commit()
    add_core(session, *spare_articles(session, 1))
    found = listed(session, "lena")
    assert found.finished_version == 1 and found.credential is None  # known from her marks, not the credential
