"""Personal paths: copying a curated path, editing the copy, and the curated path's changes since."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, select

from tests import factories
from tracker.models import Article, ForkChoice, LearningPath, PathFollow, PathStatus
from tracker.services import access
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store
from tracker.services.errors import Invalid, NotFound
from tracker.services.personal import forks


def fork(session, username="lena", slug="api-designer"):
    lena = factories.user(session, username)
    return forks.fork_path(session=session, upstream=factories.path(session, slug), owner=lena, by=lena)


def slugs(session, path):
    return [entry.card.article.slug for view in path_queries.get_path(session=session, slug=path.slug).sections
            for entry in view.entries]


def publish(session, change):
    """An admin saves a new version of API Designer: `change` edits its definition."""
    upstream = factories.path(session, "api-designer")
    definition = path_queries.path_definition(session=session, path=upstream)
    data = definition.model_dump(mode="python")
    change(data)
    path_store.save_path(session=session, definition=path_store.PathDefinition.model_validate(data),
                         base_version=upstream.version, author=factories.user(session, "ada"))


def test_a_copy_is_a_private_path_with_the_curated_sections_owned_and_followed_by_the_learner(session):
    copy = fork(session)
    upstream = factories.path(session, "api-designer")
    assert copy.slug.startswith("api-designer-") and copy.slug != upstream.slug
    assert copy.title == "API Designer (my copy)" and copy.owner_id == factories.user(session, "lena").id
    assert copy.forked_from_id == upstream.id and copy.forked_version == upstream.version
    assert slugs(session, copy) == slugs(session, upstream)
    assert session.get(PathFollow, (copy.owner_id, copy.id)) is not None
    assert not copy.shared_with_mentors


def test_a_copy_is_in_no_curated_list_and_cannot_be_assigned_or_copied(session):
    copy = fork(session)
    assert copy.slug not in {s.path.slug for s in path_queries.list_paths(session=session)}
    assert not access.can_be_assigned(copy) and not access.can_be_copied(copy)
    with pytest.raises(NotFound):
        path_queries.require_learning_path(session=session, slug=copy.slug)
    memberships = path_queries.paths_with_article(session=session, viewer=factories.user(session, "lena"),
                                                  article=factories.article(session, "http-protocol"))
    assert copy.slug not in {m.path.slug for m in memberships}
    with pytest.raises(Invalid):
        forks.fork_path(session=session, upstream=copy, owner=factories.user(session, "lena"),
                        by=factories.user(session, "lena"))


def test_a_draft_cannot_be_copied(session):
    upstream = factories.path(session, "api-designer")
    path_store.change_status(session=session, path=upstream, status=PathStatus.draft, base_version=upstream.version,
                             author=factories.user(session, "ada"))
    with pytest.raises(Invalid):
        fork(session)


def test_only_the_owner_and_their_mentors_when_shared_see_a_copy_and_only_the_owner_edits_it(session):
    factories.mentor_of(session, "mona", "lena")
    copy = fork(session)
    lena, mona, leo, ada = (factories.user(session, n) for n in ("lena", "mona", "leo", "ada"))
    assert access.can_see_path(lena, copy, session=session)
    assert not access.can_see_path(mona, copy, session=session)
    assert not access.can_see_path(leo, copy, session=session) and not access.can_see_path(ada, copy, session=session)
    forks.share(session=session, path=copy, editor=lena, shared=True)
    assert access.can_see_path(mona, copy, session=session) and not access.can_see_path(leo, copy, session=session)
    assert not access.can_edit_personal_path(mona, copy)
    with pytest.raises(NotFound):
        forks.rename(session=session, path=copy, editor=leo, title="Mine now")
    with pytest.raises(NotFound):
        forks.personal_path(session=session, viewer=leo, slug=copy.slug)


def test_a_mentor_makes_a_copy_for_a_mentee_owned_by_the_mentee_and_shared(session):
    factories.mentor_of(session, "mona", "lena")
    copy = forks.fork_path(session=session, upstream=factories.path(session, "api-designer"),
                           owner=factories.user(session, "lena"), by=factories.user(session, "mona"))
    assert copy.owner_id == factories.user(session, "lena").id and copy.shared_with_mentors
    with pytest.raises(NotFound):
        forks.fork_path(session=session, upstream=factories.path(session, "api-designer"),
                        owner=factories.user(session, "leo"), by=factories.user(session, "mona"))


def test_each_edit_is_a_new_version_and_the_page_shows_it_at_once(session):
    copy = fork(session)
    lena = factories.user(session, "lena")
    before = slugs(session, copy)
    forks.rename(session=session, path=copy, editor=lena, title="My API path")
    forks.add_article(session=session, path=copy, editor=lena, section=0, article_slug="caching")
    assert forks.remove_item(session=session, path=copy, editor=lena,
                             article_slug="routing").path.version == 4
    forks.move_item(session=session, path=copy, editor=lena, article_slug="restful-api-design", up=True)
    now = slugs(session, copy)
    assert copy.title == "My API path" and "routing" not in now and now.count("caching") == 1
    assert now.index("restful-api-design") < now.index("http-protocol") and len(before) == len(now)
    with pytest.raises(path_store.VersionConflict):
        forks.rename(session=session, path=copy, editor=lena, title="Stale", base_version=2)


def test_an_own_resource_joins_a_section_and_a_javascript_link_is_refused_writing_nothing(session):
    copy = fork(session)
    lena = factories.user(session, "lena")
    forks.add_resource(session=session, path=copy, editor=lena, section=1, title="My gRPC notes",
                       url="https://example.com/grpc", minutes=12)
    resource = session.exec(select(Article).where(Article.title == "My gRPC notes")).one()
    assert resource.owner_id == lena.id and resource.slug in slugs(session, copy)
    count = len(session.exec(select(Article)).all())
    for url in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "ftp://example.com/x", ""):
        with pytest.raises(Invalid):
            forks.add_resource(session=session, path=copy, editor=lena, section=1, title="Bad", url=url, minutes=5)
    assert len(session.exec(select(Article)).all()) == count and copy.version == 2


def test_someone_elses_resource_cannot_be_added_by_its_slug(session):
    mine, theirs = fork(session), fork(session, "leo")
    leo = factories.user(session, "leo")
    forks.add_resource(session=session, path=theirs, editor=leo, section=0, title="Leo's", url="https://l.example",
                       minutes=None)
    secret = session.exec(select(Article).where(Article.title == "Leo's")).one()
    with pytest.raises(Invalid):
        forks.add_article(session=session, path=mine, editor=factories.user(session, "lena"), section=0,
                          article_slug=secret.slug)


def test_the_curated_paths_changes_are_offered_and_taking_one_applies_it_to_the_copy(session):
    copy = fork(session)
    lena = factories.user(session, "lena")

    def change(data):
        data["sections"][1]["items"].append({"slug": "caching", "optional": False})
        data["sections"][0]["items"] = [i for i in data["sections"][0]["items"] if i["slug"] != "routing"]
    publish(session, change)
    pending = forks.upstream_changes(session=session, path=copy)
    assert pending.forked_version == 1 and pending.version == 2
    assert sorted(c.kind for c in pending.changes) == ["added", "removed"]
    added = next(c for c in pending.changes if c.kind == "added")
    forks.decide(session=session, path=copy, editor=lena, key=added.key, take=True)
    assert "caching" in slugs(session, copy)
    left = forks.decide(session=session, path=copy, editor=lena,
                        key=next(c for c in pending.changes if c.kind == "removed").key, take=False)
    assert left.changes == [] and copy.forked_version == 2 and "routing" in slugs(session, copy)
    assert len(session.exec(select(ForkChoice).where(ForkChoice.path_id == copy.id)).all()) == 2


def test_taking_a_change_twice_changes_the_copy_once(session):
    copy = fork(session)
    lena = factories.user(session, "lena")
    publish(session, lambda data: data["sections"][1]["items"].append({"slug": "caching", "optional": False}))
    key = forks.upstream_changes(session=session, path=copy).changes[0].key
    forks.decide(session=session, path=copy, editor=lena, key=key, take=True)
    version = copy.version
    forks.decide(session=session, path=copy, editor=lena, key=key, take=True)
    assert copy.version == version and slugs(session, copy).count("caching") == 1


def test_taking_a_change_in_two_tabs_at_once_records_one_decision(app, session):
    copy = fork(session)
    publish(session, lambda data: data["sections"][1]["items"].append({"slug": "caching", "optional": False}))
    key = forks.upstream_changes(session=session, path=copy).changes[0].key
    engine = session.get_bind()

    def take(_):
        with Session(engine) as own:
            path = own.get(LearningPath, copy.id)
            try:
                forks.decide(session=own, path=path, editor=factories.user(own, "lena"), key=key, take=True)
            except path_store.VersionConflict:
                return "conflict"
            return "ok"
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(take, range(2)))
    session.expire_all()
    assert len(session.exec(select(ForkChoice).where(ForkChoice.path_id == copy.id)).all()) == 1
    assert slugs(session, session.get(LearningPath, copy.id)).count("caching") == 1


def test_a_section_rule_and_an_article_made_optional_are_changes_to_take(session):
    copy = fork(session)
    lena = factories.user(session, "lena")

    def change(data):
        data["sections"][1]["kind"], data["sections"][1]["pick"] = "elective", 2
        data["sections"][0]["items"][0]["optional"] = True
    publish(session, change)
    kinds = {c.kind: c for c in forks.upstream_changes(session=session, path=copy).changes}
    assert set(kinds) == {"rule", "optional"}
    forks.decide(session=session, path=copy, editor=lena, key=kinds["rule"].key, take=True)
    forks.decide(session=session, path=copy, editor=lena, key=kinds["optional"].key, take=True)
    detail = path_queries.get_path(session=session, slug=copy.slug)
    assert detail.sections[1].rule.elective and detail.sections[1].rule.pick == 2
    assert detail.sections[0].entries[0].optional and copy.forked_version == 2


def test_a_copy_cannot_be_named_as_a_curated_paths_prerequisite(session):
    copy = fork(session)
    upstream = factories.path(session, "production-services")
    data = path_queries.path_definition(session=session, path=upstream).model_dump(mode="python")
    data["prerequisites"] = [{"slug": copy.slug, "required": True}]
    with pytest.raises(Invalid):
        path_store.save_path(session=session, definition=path_store.PathDefinition.model_validate(data),
                             base_version=upstream.version, author=factories.user(session, "ada"))
    assert path_queries.path_definition(session=session, path=upstream).prerequisites == []


def test_a_change_the_copy_cannot_take_is_refused_and_stays_on_offer(session):
    copy = fork(session)
    lena = factories.user(session, "lena")
    for slug in slugs(session, copy)[1:]:  # the copy keeps one article only
        forks.remove_item(session=session, path=copy, editor=lena, article_slug=slug)
    only = slugs(session, copy)
    publish(session, lambda data: [s["items"].remove(i) for s in data["sections"] for i in list(s["items"])
                                   if i["slug"] == only[0]])
    change = next(c for c in forks.upstream_changes(session=session, path=copy).changes if c.slug == only[0])
    with pytest.raises(Invalid):
        forks.decide(session=session, path=copy, editor=lena, key=change.key, take=True)
    assert change.key in {c.key for c in forks.upstream_changes(session=session, path=copy).changes}
    assert slugs(session, copy) == only
