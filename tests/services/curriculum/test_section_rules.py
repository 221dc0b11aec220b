"""Section rules: what a change does to learners' percentages before it is saved, the history's words for it,
in-order sections that keep an article closed on their path, and the seed paths unchanged by the format."""

from pathlib import Path

import pytest
import yaml
from sqlalchemy import event
from sqlmodel import select

from tests import factories
from tests.section_rules import GRAPHQL, GRAPHQL_REQUIRED, elective, give_rules, in_order
from tracker.models import Progress, ProgressEvent, ProgressState, SectionKind
from tracker.services.curriculum import format as path_format
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum.changes import describe_changes
from tracker.services.curriculum.queries import path_definition
from tracker.services.progress import follows, marking
from tracker.services.progress import marks as progress
from tracker.services.progress.preview import percent_changes

ROOT = Path(__file__).resolve().parents[3]


def _section(definition, index, **update):
    sections = list(definition.sections)
    sections[index] = sections[index].model_copy(update=update)
    return definition.model_copy(update={"sections": sections})


def _follow_and_read(session, username, slugs, state=ProgressState.done):
    user = factories.user(session, username)
    follows.follow_path(session=session, user=user, path=factories.path(session, "api-designer"))
    for slug in slugs:
        progress.write_mark(session=session, user=user, article=factories.article(session, slug), state=state)
    return user


def test_the_preview_counts_who_goes_up_who_reaches_a_hundred_and_who_goes_down(session):
    path = factories.path(session, "api-designer")
    definition = path_definition(session=session, path=path)
    everything = [item.slug for section in definition.sections for item in section.items if not item.optional]
    _follow_and_read(session, "lena", GRAPHQL_REQUIRED[:2])  # any 2 of 4 would finish the section
    _follow_and_read(session, "leo", [s for s in everything if s not in GRAPHQL_REQUIRED[2:]])
    _follow_and_read(session, "mona", [])  # nothing read: nothing moves
    draft = _section(definition, GRAPHQL, kind=SectionKind.elective, pick=2)
    changes = percent_changes(session=session, path=path, definition=draft)
    assert changes.learners == 3 and len(changes.up) == 2 and changes.reach_complete == 1
    assert changes.sentence() == "Saving this: 2 learners' percentages change — 2 go up (1 reaches 100%)."
    back = percent_changes(session=session, path=path, definition=definition)
    assert back.changed == [] and "changes no learner's percentage (3 learners on the path)" in back.sentence()


def test_the_preview_reads_a_fixed_number_of_times_however_many_learners(app, session):
    path = factories.path(session, "api-designer")
    definition = _section(path_definition(session=session, path=path), GRAPHQL, kind=SectionKind.elective, pick=2)

    def statements() -> int:
        seen = []
        session.commit()  # each preview in a request of its own
        session.refresh(path)  # the path as the editor holds it: read before
        engine = session.get_bind()
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            percent_changes(session=session, path=path, definition=definition)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    _follow_and_read(session, "lena", GRAPHQL_REQUIRED[:1])
    statements()  # the path's entries are kept after the first read
    few = statements()
    for learner in factories.add_learners(session, "many", 12):
        _follow_and_read(session, learner.username, GRAPHQL_REQUIRED[:2])
    assert statements() == few <= 8


def test_a_version_summary_names_each_rule_change(session):
    definition = path_definition(session=session, path=factories.path(session, "api-designer"))
    title = definition.sections[GRAPHQL].title
    now_elective = _section(definition, GRAPHQL, kind=SectionKind.elective, pick=2, sequential=True)
    lines = describe_changes(definition, now_elective)
    assert f"Section “{title}” is now elective: any 2 of 4." in lines
    assert f"Section “{title}” is now in order." in lines
    back = describe_changes(now_elective, definition)
    assert f"Section “{title}” is now core: every required article counts." in back
    assert f"Section “{title}” is no longer in order." in back


def test_marking_an_article_an_in_order_section_keeps_closed_is_refused_and_writes_nothing(session):
    path = give_rules(session, "api-designer", {GRAPHQL: in_order()})
    lena = factories.user(session, "lena")
    second = factories.article(session, GRAPHQL_REQUIRED[1])
    with pytest.raises(marking.Locked, match="opens once you finish “"):
        marking.mark_article(session=session, user=lena, article=second, state=ProgressState.done, path=path)
    session.rollback()
    assert session.exec(select(Progress).where(Progress.user_id == lena.id)).all() == []
    assert session.exec(select(ProgressEvent).where(ProgressEvent.user_id == lena.id)).all() == []
    first = factories.article(session, GRAPHQL_REQUIRED[0])
    marking.mark_article(session=session, user=lena, article=first, state=ProgressState.done, path=path)
    marking.mark_article(session=session, user=lena, article=second, state=ProgressState.done, path=path)
    assert progress.states_for(session=session, user=lena)[second.id] is ProgressState.done


def test_a_mark_from_the_catalog_stands_and_counts_on_the_path(session):
    path = give_rules(session, "api-designer", {GRAPHQL: elective(2, sequential=True)})
    lena = factories.user(session, "lena")
    third = factories.article(session, GRAPHQL_REQUIRED[2])
    marking.mark_article(session=session, user=lena, article=third, state=ProgressState.done)  # not on the path
    view = progress.path_progress(session=session, user=lena, slug=path.slug)
    assert view is not None and view.sections[view.detail.sections[GRAPHQL].section.id].done == 1
    assert third.id in progress.locked_articles(view.entries(), view.states)  # still closed on the path


def test_the_section_rule_reads_as_the_path_page_shows_it(session):
    give_rules(session, "api-designer", {GRAPHQL: elective(2, sequential=True)})
    view = progress.path_progress(session=session, user=None, slug="api-designer")
    assert view is not None
    assert view.detail.sections[GRAPHQL].describe_rule() == "Elective: any 2 of 4 · in order"
    assert view.detail.sections[0].describe_rule() == "Core"


@pytest.mark.parametrize("name", ["api-designer", "production-services", "real-time-streaming",
                                  "systems-performance"])
def test_the_seed_paths_round_trip_unchanged(name):
    text = (ROOT / "paths" / f"{name}.yaml").read_text()
    raw = yaml.safe_load(text)
    slugs = {item if isinstance(item, str) else item["slug"] for s in raw["sections"] for item in s["items"]}
    definition = path_format.parse_path_definition(text, filename=f"{name}.yaml", known_slugs=slugs)
    assert all(s.kind is SectionKind.core and s.pick is None and not s.sequential for s in definition.sections)
    assert path_format.dump_path_definition(definition) == text


def test_an_elective_sections_reading_counts_its_shortest_needed_articles_on_the_list_and_the_page(session):
    give_rules(session, "api-designer", {GRAPHQL: elective(2)})
    detail = path_queries.get_path(session=session, slug="api-designer")
    assert detail is not None
    sections = detail.sections
    core = [e.reading_time.minutes for i, v in enumerate(sections) if i != GRAPHQL for e in v.entries
            if not e.optional]
    chosen = sorted(e.reading_time.minutes for e in sections[GRAPHQL].entries if not e.optional)[:2]
    assert detail.summary.reading.minutes == sum(core) + sum(chosen)
    listed = next(s for s in path_queries.list_paths(session=session) if s.path.slug == "api-designer")
    assert listed.reading == detail.summary.reading
