"""Personal paths: a published path copied into a learner's private one, and the curated path's changes since.

A copy is a `learning_path` row with an owner: it keeps its own versions (every edit is a new one, saved through
`curriculum.store.save_path` with its optimistic version check, which also renews the content stamp so no kept
copy of it is stale). It issues no credential, is in no curated list, cannot be a prerequisite or be assigned.

The curated path's changes since `forked_version` are read from its saved versions (the definition at
`forked_version` against its current one): articles added (with their section), removed, moved between sections,
made optional or required, section rules changed. Each is offered to take (applied to the copy) or leave; both
are recorded in `fork_choice`, and once every change up to the curated path's current version is decided, the
copy's `forked_version` advances to it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from tracker.models import (
    READING_MINUTES_MAX,
    Article,
    ForkChoice,
    LearningPath,
    PathFollow,
    PathStatus,
    SectionKind,
    User,
    utcnow,
)
from tracker.services import access
from tracker.services.curriculum import store
from tracker.services.curriculum.format import ItemDefinition, PathDefinition, SectionDefinition
from tracker.services.curriculum.queries import get_learning_path, path_definition
from tracker.services.errors import Invalid, NotFound
from tracker.services.personal.resources import create_resource

COPY_SUFFIX = " (my copy)"
TITLE_MAX = 200
SLUG_MAX = 80
URL_PATTERN = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)


# ---------------------------------------------------------------- finding

def personal_path(*, session: Session, viewer: User | None, slug: str, edit: bool = False) -> LearningPath:
    """The personal path with this slug if `viewer` may see it (or, with `edit`, change it), else NotFound: a
    path someone else owns answers exactly as one that does not exist."""
    path = get_learning_path(session=session, slug=slug)
    allowed = path is not None and path.owner_id is not None and (
        access.can_edit_personal_path(viewer, path) if edit
        else access.can_see_personal_path(session=session, viewer=viewer, path=path))
    if path is None or not allowed:
        raise NotFound(f"There is no path called '{slug[:80]}'.")
    return path


def personal_paths(*, session: Session, owner: User | None) -> list[LearningPath]:
    """`owner`'s personal paths, by title (none for nobody)."""
    if owner is None:
        return []
    return list(session.exec(select(LearningPath).where(LearningPath.owner_id == owner.id)
                             .order_by(col(LearningPath.title), col(LearningPath.id))))


def copy_of(*, session: Session, owner: User, upstream: LearningPath) -> LearningPath | None:
    """`owner`'s most recent copy of a curated path, or None."""
    return session.exec(select(LearningPath).where(LearningPath.owner_id == owner.id,
                                                   LearningPath.forked_from_id == upstream.id)
                        .order_by(col(LearningPath.id).desc())).first()


# ---------------------------------------------------------------- copying

def fork_path(*, session: Session, upstream: LearningPath, owner: User, by: User) -> LearningPath:
    """A private copy of a published curated path for `owner`, made by `owner` or by their mentor (then shared
    with the owner's mentors); the owner follows it. Its sections, their rules and items are the curated path's
    current version (`forked_version`); its prerequisites and mastery are not copied (it issues no credential).
    Commits. Invalid for a draft, archived or personal path; NotFound when `by` may not copy for `owner`."""
    if not access.can_copy_path_for(session=session, viewer=by, learner=owner):
        raise NotFound("There is no such learner.")
    if not access.can_be_copied(upstream):
        raise Invalid("Only a published curated path can be copied.")
    store.ensure_baseline(session=session, path=upstream)
    source = path_definition(session=session, path=upstream)
    slug = f"{upstream.slug[:SLUG_MAX - 7].rstrip('-')}-{secrets.token_hex(3)}"
    definition = source.model_copy(update={
        "slug": slug, "title": _copy_title(upstream.title), "status": PathStatus.published,
        "prerequisites": [], "mastery": None})
    made_for = [] if by.id == owner.id else [f"Made by {by.name} for {owner.name}."]
    copy = store.create_personal_path(
        session=session, definition=definition, author=by,
        summary=[f"Copied from “{upstream.title}” version {upstream.version}.", *made_for],
        owner_id=owner.id, forked_from_id=upstream.id, forked_version=upstream.version,
        shared_with_mentors=by.id != owner.id)
    session.add(PathFollow(user_id=owner.id, path_id=copy.id, created_at=utcnow()))
    session.commit()
    return copy


def fork_for(*, session: Session, upstream: LearningPath, by: User, learner: str | None) -> LearningPath:
    """`fork_path` for `by` themselves, or (a username in `learner`) for that mentee of theirs; NotFound for a
    learner who is not theirs (or nobody). Commits."""
    owner = by
    if learner:
        found = session.exec(select(User).where(User.username == learner)).first()
        if found is None:
            raise NotFound("There is no such learner.")
        owner = found
    return fork_path(session=session, upstream=upstream, owner=owner, by=by)


def _copy_title(title: str) -> str:
    return title[:TITLE_MAX - len(COPY_SUFFIX)] + COPY_SUFFIX


# ---------------------------------------------------------------- editing

def _edit(session: Session, path: LearningPath, editor: User, base_version: int | None,
          change: Callable[[dict[str, Any]], str]) -> store.SaveResult:
    """Apply `change` (to the definition as plain data; it returns the summary line) and save a new version,
    refusing a stale `base_version` (None: the current one). Commits."""
    if not access.can_edit_personal_path(editor, path):
        raise NotFound(f"There is no path called '{path.slug}'.")
    data = path_definition(session=session, path=path).model_dump(mode="python")
    line = change(data)
    definition = _valid(data)
    return store.save_path(session=session, definition=definition,
                           base_version=path.version if base_version is None else base_version,
                           author=editor, summary_prefix=[line])


def _valid(data: dict[str, Any]) -> PathDefinition:
    for section in data["sections"]:  # an elective asks no more than it holds
        required = sum(1 for item in section["items"] if not item["optional"])
        if section["kind"] == SectionKind.elective:
            if required == 0:
                section["kind"], section["pick"] = SectionKind.core, None
            else:
                section["pick"] = min(section["pick"] or 1, required)
    try:
        return PathDefinition.model_validate(data)
    except ValidationError as exc:
        raise Invalid(str(exc.errors()[0]["msg"]).removeprefix("Value error, ")) from None


def rename(*, session: Session, path: LearningPath, editor: User, title: str,
           base_version: int | None = None) -> store.SaveResult:
    """Give the copy another title. Commits."""
    title = " ".join(title.split())
    if not title or len(title) > TITLE_MAX:
        raise Invalid(f"A title is 1 to {TITLE_MAX} characters.", field="title")

    def change(data: dict[str, Any]) -> str:
        data["title"] = title
        return f"Renamed to “{title}”."
    return _edit(session, path, editor, base_version, change)


def _section(data: dict[str, Any], section: int) -> dict[str, Any]:
    if not 0 <= section < len(data["sections"]):
        raise Invalid("There is no such section in this path.", field="section")
    sections: list[dict[str, Any]] = data["sections"]
    return sections[section]


def _slugs(data: dict[str, Any]) -> set[str]:
    return {item["slug"] for section in data["sections"] for item in section["items"]}


def add_article(*, session: Session, path: LearningPath, editor: User, section: int, article_slug: str,
                base_version: int | None = None) -> store.SaveResult:
    """Add a catalog article (or one of the owner's own resources) at the end of a section. Commits."""
    article = session.exec(select(Article).where(Article.slug == article_slug.strip())).first()
    if article is None or (article.owner_id is not None and article.owner_id != path.owner_id):
        raise Invalid("There is no article with that slug in the catalog.", field="article")

    def change(data: dict[str, Any]) -> str:
        target = _section(data, section)
        if article.slug in _slugs(data):
            raise Invalid(f"“{article.title}” is already in this path.", field="article")
        target["items"].append({"slug": article.slug, "optional": False})
        return f"Added “{article.title}” to “{target['title']}”."
    return _edit(session, path, editor, base_version, change)


def check_resource(*, title: str, url: str, minutes: int | None) -> tuple[str, str, int | None]:
    """A resource's fields, cleaned, or Invalid naming the field: a title, an http or https address, minutes."""
    title, url = " ".join((title or "").split()), (url or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise Invalid(f"A title is 1 to {TITLE_MAX} characters.", field="title")
    if len(url) > 2000 or not URL_PATTERN.match(url):
        raise Invalid("The link must be a web address starting with http:// or https://.", field="url")
    if minutes is not None and not 1 <= minutes <= READING_MINUTES_MAX:
        raise Invalid(f"Minutes are 1 to {READING_MINUTES_MAX}.", field="minutes")
    return title, url, minutes


def add_resource(*, session: Session, path: LearningPath, editor: User, section: int, title: str, url: str,
                 minutes: int | None, base_version: int | None = None) -> store.SaveResult:
    """Add a resource of the owner's own (a title, an http or https link, minutes) at the end of a section.
    Commits; nothing is written when it is refused."""
    if not access.can_edit_personal_path(editor, path):
        raise NotFound(f"There is no path called '{path.slug}'.")
    title, url, minutes = check_resource(title=title, url=url, minutes=minutes)
    _section(path_definition(session=session, path=path).model_dump(mode="python"), section)
    resource = create_resource(session=session, owner=editor, title=title, url=url, minutes=minutes,
                               shared_with_mentors=path.shared_with_mentors)

    def change(data: dict[str, Any]) -> str:
        target = _section(data, section)
        target["items"].append({"slug": resource.slug, "optional": False})
        return f"Added your resource “{title}” to “{target['title']}”."
    try:
        return _edit(session, path, editor, base_version, change)
    except Exception:
        session.rollback()  # the resource goes with the refused version
        raise


def remove_item(*, session: Session, path: LearningPath, editor: User, article_slug: str,
                base_version: int | None = None) -> store.SaveResult:
    """Take an article out of the copy (a section left empty goes too; the last article stays). Commits."""
    def change(data: dict[str, Any]) -> str:
        return _remove(data, article_slug)
    return _edit(session, path, editor, base_version, change)


def _remove(data: dict[str, Any], slug: str) -> str:
    for index, section in enumerate(data["sections"]):
        for item in section["items"]:
            if item["slug"] == slug:
                section["items"].remove(item)
                if not section["items"]:
                    if len(data["sections"]) == 1:
                        raise Invalid("A path keeps at least one article.", field="article")
                    del data["sections"][index]
                return f"Removed {slug}."
    raise Invalid("That article is not in this path.", field="article")


def move_item(*, session: Session, path: LearningPath, editor: User, article_slug: str, up: bool,
              base_version: int | None = None) -> store.SaveResult:
    """Move an article one place up or down; past the top or bottom of its section, into the section before or
    after. Commits."""
    def change(data: dict[str, Any]) -> str:
        flat = [(s, i) for s, section in enumerate(data["sections"]) for i, _ in enumerate(section["items"])]
        place = next((n for n, (s, i) in enumerate(flat)
                      if data["sections"][s]["items"][i]["slug"] == article_slug), None)
        if place is None:
            raise Invalid("That article is not in this path.", field="article")
        s, i = flat[place]
        items = data["sections"][s]["items"]
        if up and i > 0:
            items[i - 1], items[i] = items[i], items[i - 1]
        elif not up and i < len(items) - 1:
            items[i + 1], items[i] = items[i], items[i + 1]
        elif up and s > 0 and len(items) > 1:
            data["sections"][s - 1]["items"].append(items.pop(i))
        elif not up and s < len(data["sections"]) - 1 and len(items) > 1:
            data["sections"][s + 1]["items"].insert(0, items.pop(i))
        else:
            raise Invalid("It cannot move further that way.", field="article")
        return f"Moved {article_slug} {'up' if up else 'down'}."
    return _edit(session, path, editor, base_version, change)


def share(*, session: Session, path: LearningPath, editor: User, shared: bool) -> LearningPath:
    """Show the copy (and its resources) to the owner's mentors, or stop. Commits."""
    if not access.can_edit_personal_path(editor, path):
        raise NotFound(f"There is no path called '{path.slug}'.")
    path.shared_with_mentors = shared
    path.updated_at = utcnow()
    session.add(path)
    session.commit()
    return path


# ---------------------------------------------------------------- the curated path's changes

@dataclass(frozen=True)
class UpstreamChange:
    """One change of the curated path since the copy's `forked_version`: `key` names it for a decision."""

    key: str
    kind: str  # added | removed | moved | optional | rule
    text: str  # what changed, in words
    slug: str = ""  # the article, for changes to one
    section: str = ""  # the section it is in (or whose rule changed) in the curated path now
    optional: bool = False
    section_def: dict[str, Any] | None = None  # the curated section now (for a rule, or a missing section)


@dataclass(frozen=True)
class Upstream:
    """What the path page says of a copy: where it came from, at which version, and what changed since."""

    path: LearningPath  # the curated path
    forked_version: int
    version: int  # the curated path's current version
    changes: list[UpstreamChange]


def _key(kind: str, subject: str, detail: str) -> str:
    digest = hashlib.sha256(detail.encode()).hexdigest()[:12]
    return f"{kind}:{subject[:150]}#{digest}"


def _rule(section: SectionDefinition) -> tuple[str, int | None, bool]:
    return (str(section.kind), section.pick, section.sequential)


def _describe_rule(section: SectionDefinition) -> str:
    text = f"elective, any {section.pick}" if section.kind == SectionKind.elective else "core"
    return text + (", in order" if section.sequential else "")


def compare(old: PathDefinition, new: PathDefinition, titles: dict[str, str]) -> list[UpstreamChange]:
    """The changes from `old` to `new` a copy may take (pure): articles added, removed, moved between sections,
    made optional or required, and section rules changed."""
    def places(definition: PathDefinition) -> dict[str, tuple[SectionDefinition, ItemDefinition]]:
        return {item.slug: (section, item) for section in definition.sections for item in section.items}

    def name(slug: str) -> str:
        return f"“{titles.get(slug, slug)}”"

    before, after = places(old), places(new)
    changes: list[UpstreamChange] = []
    for slug, (section, item) in after.items():
        common: dict[str, Any] = {"slug": slug, "section": section.title, "optional": item.optional,
                                  "section_def": section.model_dump(mode="python")}
        if slug not in before:
            changes.append(UpstreamChange(key=_key("added", slug, section.title), kind="added",
                                          text=f"Added {name(slug)} to “{section.title}”.", **common))
            continue
        old_section, old_item = before[slug]
        if old_section.title != section.title:
            changes.append(UpstreamChange(key=_key("moved", slug, f"{old_section.title}>{section.title}"),
                                          kind="moved", text=f"Moved {name(slug)} from “{old_section.title}” "
                                                             f"to “{section.title}”.", **common))
        if old_item.optional != item.optional:
            state = "optional" if item.optional else "required"
            changes.append(UpstreamChange(key=_key("optional", slug, state), kind="optional",
                                          text=f"{name(slug)} is now {state}.", **common))
    changes += [UpstreamChange(key=_key("removed", slug, section.title), kind="removed",
                               text=f"Removed {name(slug)}.", slug=slug, section=section.title)
                for slug, (section, _) in before.items() if slug not in after]
    old_rules = {section.title: section for section in old.sections}
    for section in new.sections:
        earlier = old_rules.get(section.title)
        if earlier is not None and _rule(earlier) != _rule(section):
            changes.append(UpstreamChange(
                key=_key("rule", section.title, repr(_rule(section))), kind="rule", section=section.title,
                text=f"“{section.title}” is now {_describe_rule(section)} (was {_describe_rule(earlier)}).",
                section_def=section.model_dump(mode="python")))
    return changes


def upstream_changes(*, session: Session, path: LearningPath) -> Upstream | None:
    """The curated path's changes since the copy's `forked_version` not yet taken or left (None: not a copy, or
    its curated path is gone)."""
    if path.owner_id is None or path.forked_from_id is None or path.forked_version is None:
        return None
    upstream = session.get(LearningPath, path.forked_from_id)
    if upstream is None:
        return None
    if upstream.version <= path.forked_version:
        return Upstream(path=upstream, forked_version=path.forked_version, version=upstream.version, changes=[])
    old = store.version_definition(session=session, path=upstream, version=path.forked_version)
    new = store.version_definition(session=session, path=upstream, version=upstream.version)
    if old is None or new is None:
        return Upstream(path=upstream, forked_version=path.forked_version, version=upstream.version, changes=[])
    titles = dict(session.exec(select(Article.slug, Article.title).where(
        col(Article.slug).in_({*old.article_slugs(), *new.article_slugs()}))).all())
    decided = set(session.exec(select(ForkChoice.change_key).where(
        ForkChoice.path_id == path.id, col(ForkChoice.upstream_version) > path.forked_version)))
    return Upstream(path=upstream, forked_version=path.forked_version, version=upstream.version,
                    changes=[change for change in compare(old, new, titles) if change.key not in decided])


def pending_changes(*, session: Session, path: LearningPath) -> Upstream:
    """`upstream_changes`, or NotFound for a path that is not a copy of a curated path."""
    pending = upstream_changes(session=session, path=path)
    if pending is None:
        raise NotFound("This path is not a copy of a curated path.")
    return pending


def decide(*, session: Session, path: LearningPath, editor: User, key: str, take: bool) -> Upstream:
    """Take (apply to the copy) or leave one of the curated path's changes, recorded once: a second decision of
    the same change (a double click, another tab) changes nothing. When every change is decided the copy's
    `forked_version` becomes the curated path's current version. Commits. NotFound for a change not pending."""
    if not access.can_edit_personal_path(editor, path):
        raise NotFound(f"There is no path called '{path.slug}'.")
    pending = pending_changes(session=session, path=path)
    change = next((c for c in pending.changes if c.key == key), None)
    if change is None:
        if _decided(session, path, key):
            return pending  # already taken or left: the same answer again
        raise NotFound("There is no such change to take or leave.")
    session.add(ForkChoice(path_id=path.id, upstream_version=pending.version, change_key=key, taken=take,
                           decided_at=utcnow()))
    if len(pending.changes) == 1:
        path.forked_version = pending.version
        session.add(path)
    try:
        if take:
            _edit(session, path, editor, None, lambda data: _apply(data, change))
        else:
            session.commit()
    except IntegrityError:  # the same change decided at the same moment elsewhere: that decision stands
        session.rollback()
    except Invalid:  # the copy cannot take it (its last article, say): nothing is recorded
        session.rollback()
        raise
    except store.VersionConflict:
        session.rollback()
        if not _decided(session, path, key):
            raise
    session.refresh(path)
    return pending_changes(session=session, path=path)


def _decided(session: Session, path: LearningPath, key: str) -> bool:
    return session.exec(select(ForkChoice.id).where(ForkChoice.path_id == path.id,
                                                    ForkChoice.change_key == key)).first() is not None


def _apply(data: dict[str, Any], change: UpstreamChange) -> str:
    """Make `change` in the copy's definition (as plain data), as near as the copy allows."""
    def section_named(title: str) -> dict[str, Any]:
        found = next((s for s in data["sections"] if s["title"] == title), None)
        if found is None:  # the copy has no such section: it gets the curated one's, empty, at the end
            found = {**(change.section_def or {"title": title}), "items": []}
            found.setdefault("kind", SectionKind.core)
            data["sections"].append(found)
        return found

    if change.kind == "removed":
        if change.slug in _slugs(data):
            _remove(data, change.slug)
    elif change.kind in ("added", "moved"):
        if change.slug in _slugs(data):
            _remove_quietly(data, change.slug)
        section_named(change.section)["items"].append({"slug": change.slug, "optional": change.optional})
    elif change.kind == "optional":
        for item in (i for s in data["sections"] for i in s["items"] if i["slug"] == change.slug):
            item["optional"] = change.optional
    elif change.kind == "rule" and change.section_def is not None:
        target = section_named(change.section)
        for field in ("kind", "pick", "sequential"):
            target[field] = change.section_def[field]
    return f"Took the curated path's change: {change.text}"


def _remove_quietly(data: dict[str, Any], slug: str) -> None:
    for section in data["sections"]:
        section["items"] = [item for item in section["items"] if item["slug"] != slug]
    data["sections"] = [section for section in data["sections"] if section["items"]] or data["sections"]


# ---------------------------------------------------------------- the path page

@dataclass(frozen=True)
class ForkPanel:
    """The path page's word on copies: on a curated path, the viewer's copy or the offer to make one; on a
    personal path, where it came from and the changes since (`can_edit`: the viewer may take or leave them)."""

    copy: LearningPath | None = None  # the viewer's copy of this curated path
    can_copy: bool = False
    upstream: Upstream | None = None  # on a personal path
    can_edit: bool = False


def for_path(*, session: Session, viewer: User | None, path: LearningPath) -> ForkPanel | None:
    """What the path page says of personal copies: for a curated path, the viewer's copy (or the offer to make
    one); for a personal path, the curated path's changes since the copy. None: nothing to say."""
    if path.owner_id is not None:
        return ForkPanel(upstream=upstream_changes(session=session, path=path),
                         can_edit=access.can_edit_personal_path(viewer, path))
    if viewer is None or not access.can_be_copied(path):
        return None
    return ForkPanel(copy=copy_of(session=session, owner=viewer, upstream=path), can_copy=True)
