"""Path definitions: the curated files, validation errors, idempotent loading and export."""

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func
from sqlmodel import select

from tests.conftest import PATHS_DIR, seed_text
from tracker.models import Article, LearningPath, PathItem, PathSection
from tracker.services.catalog.datafile import read_catalog_file
from tracker.services.catalog.hub import parse_hub_paths
from tracker.services.curriculum.format import (
    PathDefinitionError,
    dump_path_definition,
    parse_path_definition,
    read_path_files,
)
from tracker.services.curriculum.loading import load_curriculum
from tracker.services.curriculum.store import export_paths

KNOWN = {a.slug for a in read_catalog_file(PATHS_DIR / "catalog.yaml").articles}
GOOD = """
slug: tiny
title: Tiny path
summary: A short path.
outcome: Know a little.
weeks: {min: 1, max: 2}
sections:
- title: Basics
  items: [middleware, routing, http-protocol]
- title: More
  items:
  - caching
  - {slug: databases, optional: true}
"""


def definitions():
    return read_path_files(PATHS_DIR, known_slugs=KNOWN)


def test_the_four_curated_paths_follow_the_hub():
    hub = parse_hub_paths(seed_text("003"))
    curated = definitions()
    assert len(curated) == 4
    for spec, definition in zip(hub, curated, strict=True):
        assert definition.title == spec.title
        assert (definition.weeks.min, definition.weeks.max) == (spec.weeks_min, spec.weeks_max)
        assert definition.outcome == spec.outcome
        bullets = [b.replace("Programing", "Programming") for b in spec.bullets]
        assert [s.title for s in definition.sections] == bullets


def test_every_section_holds_three_to_eight_required_articles_from_several_sources():
    catalog = {a.slug: a for a in read_catalog_file(PATHS_DIR / "catalog.yaml").articles}
    for definition in definitions():
        for section in definition.sections:
            required = [item for item in section.items if not item.optional]
            assert 3 <= len(required) <= 8 and len(section.items) <= 12, (definition.slug, section.title)
            assert section.why, (definition.slug, section.title)  # each section says why, for reviewers too
        assert len({catalog[s].source for s in definition.article_slugs()}) >= 3, definition.slug


def test_no_path_repeats_a_title_or_puts_a_link_only_entry_in_a_required_slot():
    catalog = {a.slug: a for a in read_catalog_file(PATHS_DIR / "catalog.yaml").articles}
    assert any(a.link_only for a in catalog.values())
    for definition in definitions():
        items = [item for section in definition.sections for item in section.items]
        titles = [" ".join(catalog[i.slug].title.split()).casefold() for i in items]
        assert len(titles) == len(set(titles)), definition.slug
        assert not [i.slug for i in items if catalog[i.slug].link_only and not i.optional], definition.slug


def test_a_good_definition_round_trips_through_dump():
    definition = parse_path_definition(GOOD, filename="tiny.yaml", known_slugs=KNOWN)
    dumped = dump_path_definition(definition)
    assert parse_path_definition(dumped, filename="tiny.yaml", known_slugs=KNOWN) == definition
    assert definition.sections[1].items[1].optional


def broken(**changes) -> str:
    data = yaml.safe_load(GOOD)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return yaml.safe_dump(data)


@pytest.mark.parametrize(("text", "message"), [
    (GOOD.replace("routing", "no-such-article"), "tiny.yaml: section 1 'Basics': unknown article 'no-such-article'"),
    (GOOD.replace("caching", "routing"),
     "tiny.yaml: section 2 'More': duplicate article 'routing' (also in section 1)"),
    (GOOD.replace("[middleware, routing", "[middleware, middleware"),
     "tiny.yaml: section 1 'Basics': duplicate article 'middleware' (earlier in this section)"),
    (broken(outcome=None), "tiny.yaml: missing field 'outcome'"),
    (broken(sections=[{"title": "Basics"}]), "tiny.yaml: section 1 'Basics': missing field 'items'"),
    (broken(sections=[{"title": "  ", "items": ["routing"]}]), "tiny.yaml: section 1: title: must not be blank"),
    (broken(weeks={"min": 5, "max": 2}), "tiny.yaml: weeks: max must not be less than min"),
    (broken(slug="Not A Slug"), "tiny.yaml: slug: lower-case letters and digits in words joined by single hyphens"),
    (broken(colour="blue"), "tiny.yaml: unknown field 'colour'"),
    ("slug: [unclosed", "tiny.yaml: not valid YAML at line 1"),
    ("- just\n- a list", "tiny.yaml: expected a mapping"),
])
def test_bad_definitions_are_refused_naming_file_section_and_problem(text, message):
    with pytest.raises(PathDefinitionError) as error:
        parse_path_definition(text, filename="tiny.yaml", known_slugs=KNOWN)
    assert str(error.value).startswith(message)


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def test_loading_twice_changes_nothing(session):
    before = {m: count(session, m) for m in (Article, LearningPath, PathSection, PathItem)}
    report = load_curriculum(session=session, paths_dir=PATHS_DIR, update_existing=True)
    assert (report.articles.created, report.articles.updated) == (0, 0)
    assert (report.paths.created, report.paths.updated, report.paths.unchanged) == (0, 0, 4)
    assert {m: count(session, m) for m in before} == before
    assert all(p.version == 1 for p in session.exec(select(LearningPath)))


def test_a_bad_file_loads_nothing(session, tmp_path):
    folder = tmp_path / "paths"
    shutil.copytree(PATHS_DIR, folder)
    changed = (folder / "api-designer.yaml").read_text().replace("  - http-protocol\n", "  - http-protocl\n", 1)
    (folder / "api-designer.yaml").write_text(changed)
    (folder / "production-services.yaml").write_text(
        (folder / "production-services.yaml").read_text().replace("title: Backend Developer", "title: Changed"))
    with pytest.raises(PathDefinitionError, match=r"api-designer\.yaml: section 1 .*unknown article 'http-protocl'"):
        load_curriculum(session=session, paths_dir=folder, update_existing=True)
    titles = set(session.exec(select(LearningPath.title)))
    assert "Backend Developer — Production Services" in titles


def test_export_writes_files_that_load_back_identically(session, tmp_path):
    written = export_paths(session=session, directory=tmp_path)
    path_files = [p.name for p in PATHS_DIR.glob("*.yaml") if p.name not in {"catalog.yaml", "cards.yaml"}]
    assert sorted(p.name for p in written) == sorted(path_files)
    for file in written:
        assert file.read_text() == (PATHS_DIR / file.name).read_text()
    shutil.copy(PATHS_DIR / "catalog.yaml", tmp_path / "catalog.yaml")
    report = load_curriculum(session=session, paths_dir=tmp_path, update_existing=True)
    assert report.paths.unchanged == 4


def test_an_edited_definition_updates_the_path_and_bumps_its_version(session, tmp_path):
    shutil.copytree(PATHS_DIR, tmp_path, dirs_exist_ok=True)
    file = Path(tmp_path / "api-designer.yaml")
    file.write_text(file.read_text().replace("title: API Designer", "title: API Designer (2nd edition)"))
    report = load_curriculum(session=session, paths_dir=tmp_path, update_existing=True)
    assert (report.paths.updated, report.paths.unchanged) == (1, 3)
    path = session.exec(select(LearningPath).where(LearningPath.slug == "api-designer")).one()
    assert (path.title, path.version) == ("API Designer (2nd edition)", 2)
