"""The path definition format: validation from plain data, and changes described in words."""

import pytest

from tracker.services.curriculum.changes import describe_changes
from tracker.services.curriculum.format import PathDefinition, PathDefinitionError, validate_path

KNOWN = {"a", "b", "c", "d"}


def data(**changes):
    value = {"slug": "p", "title": "P", "summary": "S", "outcome": "O", "weeks": {"min": 2},
             "sections": [{"title": "One", "items": ["a", "b"]}, {"title": "Two", "items": ["c"]}]}
    return value | changes


def test_plain_data_validates_without_any_file():
    definition = validate_path(data(), source="the editor", known_slugs=KNOWN)
    assert definition.article_slugs() == ["a", "b", "c"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"order": 10**30}, "the editor: order: must be at most 100000"),
    ({"sections": [{"title": "One", "items": ["zzz"]}]}, "section 1 'One': unknown article 'zzz'"),
    ({"sections": [{"title": "One", "items": ["a"]}, {"title": "one", "items": ["b"]}]}, "duplicate section title"),
    ({"sections": [{"title": "One", "items": ["a", "a"]}]}, "duplicate article 'a' (earlier in this section)"),
    ({"weeks": {"min": 3, "max": 2}}, "max must not be less than min"),
])
def test_bad_definitions_name_the_problem(changes, message):
    with pytest.raises(PathDefinitionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_path(data(**changes), source="the editor", known_slugs=KNOWN)


def test_changes_are_described_in_words():
    old = PathDefinition.model_validate(data())
    new = PathDefinition.model_validate(data(title="Q", sections=[
        {"title": "Uno", "items": ["b", "a", "d"]}, {"title": "Two", "items": [{"slug": "c", "optional": True}]}]))
    changes = describe_changes(old, new)
    assert "Title changed from “P” to “Q”." in changes
    assert "Section 1 renamed from “One” to “Uno”." in changes
    assert "Added 1 article: d." in changes
    assert "Reordered articles in section 1." in changes
    assert "c is now optional." in changes
    assert describe_changes(old, old) == []
    named = describe_changes(old, new, {"d": "Delta Article", "c": "Charlie"})
    assert "Added 1 article: “Delta Article”." in named and "“Charlie” is now optional." in named


def test_curation_rules_refuse_a_link_only_required_entry_and_a_repeated_title():
    from tracker.services.curriculum.format import CatalogFacts

    facts = {"a": CatalogFacts(title="RESTful API Design"), "b": CatalogFacts(title="Routing"),
             "c": CatalogFacts(title="RESTful  API design", link_only=True), "d": CatalogFacts(title="HTTP")}
    with pytest.raises(PathDefinitionError, match="“RESTful  API design” \\(c\\) is a link-only entry"):
        validate_path(data(), source="the editor", known_slugs=KNOWN, articles=facts)
    optional = data(sections=[{"title": "One", "items": ["a", "b"]},
                              {"title": "Two", "items": ["d", {"slug": "c", "optional": True}]}])
    with pytest.raises(PathDefinitionError, match="section 2 'Two': “RESTful  API design” is already in this path "
                                                  "as 'a' \\(section 1\\)"):
        validate_path(optional, source="the editor", known_slugs=KNOWN, articles=facts)
    fine = data(sections=[{"title": "One", "items": ["b", "d"]}, {"title": "Two", "items": [
        {"slug": "c", "optional": True}]}])
    validated = validate_path(fine, source="the editor", known_slugs=KNOWN, articles=facts)
    assert validated.article_slugs() == ["b", "d", "c"]
    # versions saved before a rule existed still read back (no `articles`): history stays viewable
    assert validate_path(data(), source="version 1", known_slugs=KNOWN).article_slugs() == ["a", "b", "c"]


def test_a_section_s_why_is_kept_through_the_file_format():
    from tracker.services.curriculum.format import dump_path_definition, parse_path_definition

    definition = validate_path(data(sections=[{"title": "One", "why": "Basics first.", "items": ["a"]}]),
                               source="x", known_slugs=KNOWN)
    text = dump_path_definition(definition)
    assert "why: Basics first." in text
    assert parse_path_definition(text, filename="x.yaml", known_slugs=KNOWN).sections[0].why == "Basics first."
    before = validate_path(data(), source="x", known_slugs=KNOWN)
    assert "Section 1's why changed from “” to “Basics first.”." in describe_changes(
        before, validate_path(data(sections=[{"title": "One", "why": "Basics first.", "items": ["a", "b"]},
                                             {"title": "Two", "items": ["c"]}]), source="x", known_slugs=KNOWN))
