"""Prerequisites between paths: where a learner stands on each, what following waits for, and the circles and
unpublished paths a save refuses."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import select

from tests import factories
from tracker.models import PathFollow, PathPrerequisite, PathStatus, ProgressState
from tracker.services.curriculum import prerequisites
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store
from tracker.services.curriculum.format import PathDefinitionError, PrerequisiteDefinition
from tracker.services.progress import follows
from tracker.services.progress import marks as progress


def with_prerequisites(session, slug: str, *wanted: tuple[str, bool], status: PathStatus | None = None):
    """Save `slug` with these (prerequisite slug, required) pairs as a new version by ada."""
    path = factories.path(session, slug)
    definition = path_queries.path_definition(session=session, path=path).model_copy(update={
        "prerequisites": [PrerequisiteDefinition(slug=other, required=required) for other, required in wanted],
        **({"status": status} if status is not None else {})})
    return path_store.save_path(session=session, definition=definition, base_version=path.version,
                                author=factories.user(session, "ada"))


def finish(session, learner, slug: str) -> None:
    """Mark every required article of the path done."""
    path = factories.path(session, slug)
    for entry in path_queries.path_entries(session=session, path_ids=[path.id])[path.id]:
        if not entry.optional:
            progress.write_mark(session=session, user=learner, article=entry.card.article, state=ProgressState.done)


def test_each_prerequisite_shows_the_learners_tally_in_order(session):
    with_prerequisites(session, "production-services", ("api-designer", True), ("systems-performance", False))
    lena = factories.user(session, "lena")
    progress.write_mark(session=session, user=lena, article=factories.article(session, "http-protocol"),
                        state=ProgressState.done)
    shown = prerequisites.for_learner(session=session, learner=lena,
                                      path=factories.path(session, "production-services"))
    assert [(p.path.slug, p.required) for p in shown] == [("api-designer", True), ("systems-performance", False)]
    api = progress.path_progress(session=session, user=lena, slug="api-designer")
    assert api is not None
    assert shown[0].tally == api.overall and not shown[0].complete
    assert shown[0].progress_words() == f"1 of {api.overall.total} read"
    signed_out = prerequisites.for_learner(session=session, learner=None,
                                           path=factories.path(session, "production-services"))
    assert [p.tally for p in signed_out] == [None, None]


def test_a_required_prerequisite_not_complete_is_unmet_until_it_is(session):
    with_prerequisites(session, "production-services", ("api-designer", True))
    lena, path = factories.user(session, "lena"), factories.path(session, "production-services")
    assert [p.path.slug for p in prerequisites.unmet_required(session=session, learner=lena, path=path)] == [
        "api-designer"]
    finish(session, lena, "api-designer")
    assert prerequisites.unmet_required(session=session, learner=lena, path=path) == []


def test_a_recommended_prerequisite_never_blocks_following(session):
    with_prerequisites(session, "production-services", ("api-designer", False))
    lena, path = factories.user(session, "lena"), factories.path(session, "production-services")
    assert prerequisites.unmet_required(session=session, learner=lena, path=path) == []
    follows.follow_path(session=session, user=lena, path=path)
    assert session.get(PathFollow, (lena.id, path.id)) is not None


def test_following_with_a_required_prerequisite_unmet_is_refused_and_writes_nothing(session):
    with_prerequisites(session, "production-services", ("api-designer", True))
    lena, path = factories.user(session, "lena"), factories.path(session, "production-services")
    follows.unfollow_path(session=session, user=lena, path=path)
    with pytest.raises(prerequisites.PrerequisitesUnmet) as refusal:
        follows.follow_path(session=session, user=lena, path=path)
    assert str(refusal.value).startswith("Finish “API Designer” first: following “Backend Developer — Production "
                                         "Services” waits")
    assert refusal.value.status == 409 and refusal.value.details["prerequisites"][0]["slug"] == "api-designer"
    session.rollback()
    assert session.get(PathFollow, (lena.id, path.id)) is None
    finish(session, lena, "api-designer")
    follows.follow_path(session=session, user=lena, path=path)
    assert session.get(PathFollow, (lena.id, path.id)) is not None


def test_a_path_cannot_require_itself_through_others(session):
    with_prerequisites(session, "production-services", ("api-designer", True))
    with_prerequisites(session, "real-time-streaming", ("production-services", False))
    with pytest.raises(PathDefinitionError) as refusal:
        with_prerequisites(session, "api-designer", ("real-time-streaming", True))
    assert "api-designer → real-time-streaming → production-services → api-designer" in str(refusal.value)
    api = factories.path(session, "api-designer")
    assert api.version == 1
    assert session.exec(select(PathPrerequisite).where(PathPrerequisite.path_id == api.id)).all() == []


def test_a_published_path_cannot_ask_for_a_draft(session):
    with_prerequisites(session, "systems-performance", status=PathStatus.draft)
    with pytest.raises(PathDefinitionError, match="'systems-performance' is draft: a published path can only"):
        with_prerequisites(session, "api-designer", ("systems-performance", False))
    # a draft may name a draft: both are published together later
    with_prerequisites(session, "real-time-streaming", ("systems-performance", True), status=PathStatus.draft)


def test_a_prerequisite_archived_later_no_longer_holds_anyone_back(session):
    with_prerequisites(session, "production-services", ("api-designer", True))
    with_prerequisites(session, "api-designer", status=PathStatus.archived)
    lena, path = factories.user(session, "lena"), factories.path(session, "production-services")
    assert prerequisites.unmet_required(session=session, learner=lena, path=path) == []
    assert prerequisites.for_learner(session=session, learner=lena, path=path) == []


def test_waiting_for_reads_many_learners_in_a_fixed_number_of_queries(session):
    with_prerequisites(session, "production-services", ("api-designer", True), ("systems-performance", True))
    learners = factories.add_learners(session, "many", 12)
    finish(session, learners[0], "api-designer")
    path = factories.path(session, "production-services")
    path_queries.path_entries(session=session, path_ids=[path.id])  # the curriculum as the process keeps it
    pairs = [(learner.id, path.id) for learner in learners]
    first, sixth = pairs[0], pairs[5]
    seen: list[str] = []

    def count(*args) -> None:
        seen.append(args[2])

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        unmet = prerequisites.waiting_for(session=session, pairs=pairs)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(seen) <= 6
    assert [p.path.slug for p in unmet[first]] == ["systems-performance"]
    assert [p.path.slug for p in unmet[sixth]] == ["api-designer", "systems-performance"]


def test_version_summaries_name_prerequisite_and_mastery_changes(session):
    from tracker.services.curriculum.changes import describe_changes
    from tracker.services.curriculum.format import MasteryDefinition

    old = path_queries.path_definition(session=session, path=factories.path(session, "production-services"))
    first = old.model_copy(update={"prerequisites": [PrerequisiteDefinition(slug="api-designer"),
                                                     PrerequisiteDefinition(slug="systems-performance")],
                                   "mastery": MasteryDefinition(share=80)})
    assert describe_changes(old, first) == [
        "Prerequisite api-designer added (recommended).", "Prerequisite systems-performance added (recommended).",
        "Mastery asked: 80% of required articles recalled at 90% or more."]
    second = first.model_copy(update={"prerequisites": [PrerequisiteDefinition(slug="api-designer", required=True)],
                                      "mastery": MasteryDefinition(share=60, retrievability=85)})
    assert describe_changes(first, second) == [
        "Prerequisite systems-performance removed.", "Prerequisite api-designer is now required.",
        "Mastery changed from 80% of required articles recalled at 90% or more to 60% of required articles "
        "recalled at 85% or more."]
    assert describe_changes(second, old)[-1] == ("Mastery no longer asked (was 60% of required articles recalled "
                                                 "at 85% or more): reading is enough.")


def test_skipping_every_article_of_a_required_prerequisite_does_not_open_the_next_path(session):
    """The learner who would rather not read marks the whole prerequisite skipped through the API in seconds:
    the path after it still waits, and says why, until the skipped articles are read."""
    with_prerequisites(session, "production-services", ("api-designer", True))
    lena, path = factories.user(session, "lena"), factories.path(session, "production-services")
    entries = path_queries.path_entries(session=session, path_ids=[factories.path(session, "api-designer").id])
    required = [entry for entry in next(iter(entries.values())) if not entry.optional]
    for entry in required:
        progress.write_mark(session=session, user=lena, article=entry.card.article, state=ProgressState.skipped)
    follows.unfollow_path(session=session, user=lena, path=path)
    unmet = prerequisites.unmet_required(session=session, learner=lena, path=path)
    assert [p.path.slug for p in unmet] == ["api-designer"]
    assert unmet[0].progress_words() == f"0 of {len(required)} read, {len(required)} skipped: skipped articles " \
                                        "count once read"
    with pytest.raises(prerequisites.PrerequisitesUnmet, match="skipped articles count once read"):
        follows.follow_path(session=session, user=lena, path=path)
    for entry in required:
        progress.write_mark(session=session, user=lena, article=entry.card.article, state=ProgressState.done)
    assert prerequisites.unmet_required(session=session, learner=lena, path=path) == []
