"""The path definition format (the YAML files under `paths/`): its model, validation, dump, and change descriptions.

Pure: no database. The editor, the API, uploads and `tracker paths load` all validate through `validate_path`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from tracker.models import PathStatus, SectionKind
from tracker.services import documents
from tracker.services.errors import Invalid

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


ORDER_MAX = 100_000  # a path's place in the list; plenty of room between neighbours


class PathDefinitionError(Invalid):
    """A path definition was refused; the message names the file, the section and the problem."""


class ItemDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(min_length=1, max_length=120)
    optional: bool = False


class SectionDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    why: str = Field(default="", max_length=300, description="one line: why these articles, in this order")
    kind: SectionKind = SectionKind.core
    pick: int | None = Field(default=None, ge=1, le=500, description="an elective section: any this many of its "
                                                                     "required articles complete it")
    sequential: bool = Field(default=False, description="each article opens when the one before it is settled")
    items: list[ItemDefinition] = Field(min_length=1)

    @model_validator(mode="after")
    def _rule(self) -> SectionDefinition:
        required = sum(1 for item in self.items if not item.optional)
        if self.kind is SectionKind.elective:
            if self.pick is None:
                raise ValueError("an elective section needs a number (pick): how many of its articles complete it")
            if self.pick > required:
                raise ValueError(f"it asks for any {self.pick} articles but has only {required} required "
                                 f"article{'' if required == 1 else 's'} to choose from (pick); ask for "
                                 f"{required} or fewer, or make more of its articles required")
        elif self.pick is not None:
            raise ValueError("a number to pick is for elective sections; a core section asks every required "
                             "article")
        return self

    @field_validator("title")
    @classmethod
    def _strip(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("items", mode="before")
    @classmethod
    def _slug_shorthand(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"slug": item} if isinstance(item, str) else item for item in value]
        return value


class Weeks(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: int = Field(ge=1, le=520)
    max: int | None = Field(default=None, ge=1, le=520)

    @model_validator(mode="after")
    def _ordered(self) -> Weeks:
        if self.max is not None and self.max < self.min:
            raise ValueError("max must not be less than min")
        return self

    @property
    def label(self) -> str:
        return weeks_text(self.min, self.max)


class PrerequisiteDefinition(BaseModel):
    """A path to finish first: recommended (shown before following) or required (following and assignments wait
    until it is complete)."""

    model_config = ConfigDict(extra="forbid")
    slug: str = Field(pattern=SLUG_PATTERN, max_length=80)
    required: bool = False


class MasteryDefinition(BaseModel):
    """Recall as well as reading: `share` percent of the required articles must have a card the learner reviewed,
    recalled at `retrievability` percent or more on the day the credential is issued."""

    model_config = ConfigDict(extra="forbid")
    share: int = Field(ge=1, le=100)
    retrievability: int = Field(default=90, ge=50, le=99)


class PathDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str = Field(pattern=SLUG_PATTERN, max_length=80)
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=2000)
    outcome: str = Field(min_length=1, max_length=1000)
    weeks: Weeks
    order: int = Field(default=100, ge=-ORDER_MAX, le=ORDER_MAX)
    status: PathStatus = PathStatus.published
    sections: list[SectionDefinition] = Field(min_length=1)
    prerequisites: list[PrerequisiteDefinition] = Field(default_factory=list, max_length=20)
    mastery: MasteryDefinition | None = None

    @field_validator("prerequisites", mode="before")
    @classmethod
    def _prerequisite_shorthand(cls, value: object) -> object:
        if isinstance(value, list):  # a bare slug is a recommended prerequisite
            return [{"slug": item} if isinstance(item, str) else item for item in value]
        return value

    @model_validator(mode="after")
    def _prerequisites(self) -> PathDefinition:
        seen: set[str] = set()
        for prerequisite in self.prerequisites:
            if prerequisite.slug == self.slug:
                raise ValueError("a path cannot be its own prerequisite")
            if prerequisite.slug in seen:
                raise ValueError(f"prerequisite '{prerequisite.slug}' is named twice")
            seen.add(prerequisite.slug)
        return self

    def article_slugs(self) -> list[str]:
        return [item.slug for section in self.sections for item in section.items]


@dataclass(frozen=True)
class CatalogFacts:
    """What the curation rules need to know of an article."""

    title: str
    link_only: bool = False


def parse_path_definition(text: str, *, filename: str, known_slugs: set[str],
                          articles: Mapping[str, CatalogFacts] | None = None) -> PathDefinition:
    """Validate one YAML definition (read within the upload bounds, see `documents`) against the format and the
    catalog; refuse it whole on any problem. With `articles`, the curation rules apply too (see `validate_path`)."""
    try:
        raw = documents.yaml_document(text, name=filename)
    except documents.DocumentError as exc:
        raise PathDefinitionError(str(exc)) from None
    return validate_path(raw, source=filename, known_slugs=known_slugs, articles=articles)


def validate_path(raw: object, *, source: str, known_slugs: set[str],
                  articles: Mapping[str, CatalogFacts] | None = None) -> PathDefinition:
    """Check a definition given as plain data against the format and the catalog; PathDefinitionError naming
    the source, the section and the problem otherwise.

    With `articles` (every new definition: files, the editor, uploads, the API; not versions already saved),
    the curation rules apply as well: a link-only entry may only be optional, and no two articles of a path
    share a title (a learner would see the same title twice)."""
    filename = source
    if not isinstance(raw, dict):
        raise PathDefinitionError(f"{filename}: expected a mapping with slug, title, summary, outcome, weeks, sections")
    try:
        definition = PathDefinition.model_validate(raw)
    except ValidationError as exc:
        raise PathDefinitionError(f"{filename}: {_describe(exc.errors()[0], raw)}") from None

    first_seen: dict[str, int] = {}
    titles: dict[str, int] = {}
    for number, section in enumerate(definition.sections, start=1):
        where = f"{filename}: section {number} '{section.title}'"
        if section.title.lower() in titles:
            raise PathDefinitionError(
                f"{where}: duplicate section title (also section {titles[section.title.lower()]})")
        titles[section.title.lower()] = number
        for item in section.items:
            if item.slug not in known_slugs:
                raise PathDefinitionError(f"{where}: unknown article '{item.slug}'")
            if item.slug in first_seen:
                earlier = first_seen[item.slug]
                also = "earlier in this section" if earlier == number else f"also in section {earlier}"
                raise PathDefinitionError(f"{where}: duplicate article '{item.slug}' ({also})")
            first_seen[item.slug] = number
    if articles is not None:
        check_curation(definition, articles=articles, source=filename)
    return definition


def check_curation(definition: PathDefinition, *, articles: Mapping[str, CatalogFacts], source: str) -> None:
    same_title: dict[str, tuple[int, str]] = {}
    for number, section in enumerate(definition.sections, start=1):
        where = f"{source}: section {number} '{section.title}'"
        for item in section.items:
            facts = articles.get(item.slug)
            if facts is None:
                continue
            if facts.link_only and not item.optional:
                raise PathDefinitionError(f"{where}: “{facts.title}” ({item.slug}) is a link-only entry, not a full "
                                          "article: make it optional or choose an article that covers it")
            key = " ".join(facts.title.split()).casefold()
            if key in same_title:
                earlier, slug = same_title[key]
                raise PathDefinitionError(f"{where}: “{facts.title}” is already in this path as '{slug}' (section "
                                          f"{earlier}); a learner would see the same title twice")
            same_title[key] = (number, item.slug)


_NEEDS = {"items": "article", "sections": "section"}
_BOUNDS = {"greater_than_equal": "must be at least", "less_than_equal": "must be at most",
           "greater_than": "must be more than", "less_than": "must be less than"}


def _describe(error: ErrorDetails, raw: dict[Any, Any]) -> str:
    """Turn a pydantic error into 'section 2 'Title': items: field required'."""
    loc = list(error["loc"])
    prefix = ""
    if len(loc) >= 2 and loc[0] == "sections" and isinstance(loc[1], int):
        sections = raw.get("sections") or []
        title = sections[loc[1]].get("title") if isinstance(sections[loc[1]], dict) else None
        prefix = f"section {loc[1] + 1}" + (f" '{title}'" if isinstance(title, str) and title.strip() else "") + ": "
        loc = loc[2:]
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
            prefix += f"item {loc[1] + 1}: "
            loc = loc[2:]
    field = ".".join(str(part) for part in loc)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        return f"{prefix}missing field '{field}'"
    if error["type"] == "extra_forbidden":
        return f"{prefix}unknown field '{field}'"
    if error["type"] == "string_too_short" and error.get("ctx", {}).get("min_length") == 1:
        return f"{prefix}{field}: must not be empty"
    # In the words of the editor, not of the validator ("List should have at least 1 item after validation").
    if error["type"] == "too_short" and field in {"items", "sections"}:
        return f"{prefix.removesuffix(': ') or 'the path'} needs at least one {_NEEDS[field]}"
    if error["type"] in _BOUNDS:
        return f"{prefix}{field}: {_BOUNDS[error['type']]} {next(iter(error.get('ctx', {}).values()), '')}".rstrip()
    if error["type"] == "string_pattern_mismatch" and field == "slug":
        return f"{prefix}slug: lower-case letters and digits in words joined by single hyphens, like 'api-design'"
    return f"{prefix}{field}: {message}" if field else f"{prefix}{message}"


NOT_PATH_FILES = {"catalog.yaml", "cards.yaml"}  # the catalog, and the suggested recall cards


def read_path_files(directory: Path, *, known_slugs: set[str],
                    articles: Mapping[str, CatalogFacts] | None = None) -> list[PathDefinition]:
    """Validate every *.yaml definition in a folder (except the catalog and the suggested cards); any error
    refuses them all."""
    definitions: list[PathDefinition] = []
    origin: dict[str, str] = {}
    for file in sorted(directory.glob("*.yaml")):
        if file.name in NOT_PATH_FILES:
            continue
        try:
            text = documents.read_file(file)
        except documents.DocumentError as exc:
            raise PathDefinitionError(str(exc)) from None
        definition = parse_path_definition(text, filename=file.name, known_slugs=known_slugs, articles=articles)
        if definition.slug in origin:
            raise PathDefinitionError(
                f"{file.name}: path slug '{definition.slug}' is also defined in {origin[definition.slug]}")
        origin[definition.slug] = file.name
        definitions.append(definition)
    return sorted(definitions, key=lambda d: (d.order, d.slug))


def dump_path_definition(definition: PathDefinition) -> str:
    """YAML in the same shape `read_path_files` accepts."""
    data = definition.model_dump(mode="json")
    if data["weeks"]["max"] is None:
        del data["weeks"]["max"]
    if data["status"] == PathStatus.published:
        del data["status"]
    if not data["prerequisites"]:
        del data["prerequisites"]
    else:
        data["prerequisites"] = [p if p["required"] else p["slug"] for p in data["prerequisites"]]
    if data["mastery"] is None:
        del data["mastery"]
    for section in data["sections"]:
        if not section["why"]:
            del section["why"]
        if section["kind"] == SectionKind.core:
            del section["kind"]
        if section["pick"] is None:
            del section["pick"]
        if not section["sequential"]:
            del section["sequential"]
        section["items"] = [item["slug"] if not item["optional"] else item for item in section["items"]]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def weeks_text(minimum: int, maximum: int | None) -> str:
    """'8–12 weeks', '12 weeks' or '12+ weeks'."""
    if maximum is None:
        return f"{minimum}+ weeks"
    if maximum == minimum:
        return f"{minimum} weeks"
    return f"{minimum}–{maximum} weeks"


