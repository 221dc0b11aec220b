"""What changed between two versions of a path, in lines an admin reads in the history (pure)."""

from __future__ import annotations

import os

from tracker.models import SectionKind
from tracker.services.curriculum.format import PathDefinition


def describe_changes(old: PathDefinition, new: PathDefinition, titles: dict[str, str] | None = None) -> list[str]:
    """What changed between two definitions, in words: fields (texts with their before and after), sections
    renamed, items added, removed, moved. Each change is one line: these lines are a version's summary, the
    save message, the history page and the API's `changes`. Articles are named by their titles when `titles`
    (slug -> title) knows them, else by slug. Long on purpose: one block per kind of change, in the order
    the lines are read."""
    titles = titles or {}

    def name(slug: str) -> str:
        return f"“{titles[slug]}”" if slug in titles else slug

    changes: list[str] = []
    for field, label in (("title", "Title"), ("summary", "Summary"), ("outcome", "Outcome")):
        if getattr(old, field) != getattr(new, field):
            changes.append(_text_change(label, getattr(old, field), getattr(new, field)))
    if old.weeks != new.weeks:
        changes.append(f"Weeks changed from {old.weeks.label} to {new.weeks.label}.")
    if old.status != new.status:
        changes.append(f"Status changed from “{_plain(old.status)}” to “{_plain(new.status)}”.")
    if old.order != new.order:
        changes.append(f"Order changed from {old.order} to {new.order}.")
    changes += _path_rule_changes(old, new)
    old_titles = [s.title for s in old.sections]
    new_titles = [s.title for s in new.sections]
    renames: dict[str, str] = {}
    for index in range(min(len(old_titles), len(new_titles))):
        old_title, new_title = old_titles[index], new_titles[index]
        if old_title != new_title and old_title not in new_titles and new_title not in old_titles:
            renames[old_title] = new_title
            changes.append(_text_change(f"Section {index + 1}", old_title, new_title, verb="renamed"))
    old_why = {s.title: s.why for s in old.sections}
    for index, section in enumerate(new.sections):
        renamed_from = next((title for title, renamed in renames.items() if renamed == section.title), "")
        earlier = old_why.get(section.title, old_why.get(renamed_from, None))
        if earlier is not None and earlier != section.why:
            changes.append(_text_change(f"Section {index + 1}'s why", earlier, section.why))
    changes += _rule_changes(old, new, renames)
    changes += [f"Section {_quoted(t)} added." for t in new_titles if t not in old_titles and t not in renames.values()]
    changes += [f"Section {_quoted(t)} removed." for t in old_titles if t not in new_titles and t not in renames]

    def places(definition: PathDefinition) -> dict[str, tuple[int, int, bool]]:
        return {item.slug: (s_index, i_index, item.optional)
                for s_index, section in enumerate(definition.sections) for i_index, item in enumerate(section.items)}

    old_places, new_places = places(old), places(new)
    added = [slug for slug in new_places if slug not in old_places]
    removed = [slug for slug in old_places if slug not in new_places]
    moved_section = [slug for slug in new_places if slug in old_places and new_places[slug][0] != old_places[slug][0]]
    if added:
        changes.append(f"Added {_count(added)}: {', '.join(map(name, added))}.")
    if removed:
        changes.append(f"Removed {_count(removed)}: {', '.join(map(name, removed))}.")
    for slug in moved_section:
        changes.append(f"Moved {name(slug)} from section {old_places[slug][0] + 1} "
                       f"to section {new_places[slug][0] + 1}.")
    reordered = [index + 1 for index, section in enumerate(new.sections) if index < len(old.sections)
                 and [i.slug for i in section.items if i.slug in old_places and old_places[i.slug][0] == index]
                 != [i.slug for i in old.sections[index].items
                     if i.slug in new_places and new_places[i.slug][0] == index]]
    if reordered:
        changes.append(f"Reordered articles in section {', '.join(map(str, reordered))}.")
    for slug in new_places:
        if slug in old_places and new_places[slug][2] != old_places[slug][2]:
            changes.append(f"{name(slug)} is now {'optional' if new_places[slug][2] else 'required'}.")
    return changes


def _path_rule_changes(old: PathDefinition, new: PathDefinition) -> list[str]:
    """The prerequisites added, removed, made required or recommended, reordered; mastery set, changed, removed."""
    changes: list[str] = []
    before = {p.slug: p.required for p in old.prerequisites}
    after = {p.slug: p.required for p in new.prerequisites}

    def kind(required: bool) -> str:
        return "required" if required else "recommended"

    changes += [f"Prerequisite {slug} added ({kind(required)})." for slug, required in after.items()
                if slug not in before]
    changes += [f"Prerequisite {slug} removed." for slug in before if slug not in after]
    changes += [f"Prerequisite {slug} is now {kind(required)}." for slug, required in after.items()
                if slug in before and before[slug] != required]
    if [slug for slug in after if slug in before] != [slug for slug in before if slug in after]:
        changes.append("Prerequisites reordered.")
    if old.mastery != new.mastery:
        def mastery(definition: PathDefinition) -> str:
            rule = definition.mastery
            return f"{rule.share}% of required articles recalled at {rule.retrievability}% or more" if rule else ""
        if old.mastery is None:
            changes.append(f"Mastery asked: {mastery(new)}.")
        elif new.mastery is None:
            changes.append(f"Mastery no longer asked (was {mastery(old)}): reading is enough.")
        else:
            changes.append(f"Mastery changed from {mastery(old)} to {mastery(new)}.")
    return changes
def _rule_changes(old: PathDefinition, new: PathDefinition, renames: dict[str, str]) -> list[str]:
    """'Section “X” is now elective: any 2 of 5.', '… is now in order.': each kept section whose rule changed."""
    before = {s.title: s for s in old.sections}
    renamed_from = {new_title: old_title for old_title, new_title in renames.items()}
    lines = []
    for section in new.sections:
        earlier = before.get(section.title) or before.get(renamed_from.get(section.title, ""))
        if earlier is None:
            continue
        name = f"Section {_quoted(section.title)}"
        if (earlier.kind, earlier.pick) != (section.kind, section.pick):
            if section.kind is SectionKind.elective:
                required = sum(1 for item in section.items if not item.optional)
                lines.append(f"{name} is now elective: any {section.pick} of {required}.")
            else:
                lines.append(f"{name} is now core: every required article counts.")
        if earlier.sequential != section.sequential:
            lines.append(f"{name} is now in order." if section.sequential else f"{name} is no longer in order.")
    return lines


EXCERPT_MAX = 120  # characters of each side of a text change that a change line quotes


EXCERPT_LEAD = 30  # characters kept before the first difference when a long text is shortened


def _text_change(label: str, before: str, after: str, *, verb: str = "changed") -> str:
    """'Summary changed from “old” to “new”.': each side on one line, shortened with an ellipsis past
    EXCERPT_MAX. Both excerpts of a long text start just before the first difference, so the line shows
    what changed; the whole texts are on the version's page."""
    old, new = _one_line(before), _one_line(after)
    if old == new:
        return f"{label} {verb}: only its spacing or line breaks."
    start = 0
    if max(len(old), len(new)) > EXCERPT_MAX:
        common = len(os.path.commonprefix([old, new]))  # noqa: RUF071 -- texts, compared character by character
        start = max(0, common - EXCERPT_LEAD)
        start = old.rfind(" ", 0, start) + 1 if start else 0  # from the start of a word
    return f"{label} {verb} from {_quoted(old, start)} to {_quoted(new, start)}."


def _quoted(text: str, start: int = 0) -> str:
    """“text” on one line (a change line is one line of a version's summary), at most EXCERPT_MAX characters
    from `start`, with an ellipsis where it was cut."""
    text = _one_line(text)
    piece = text[start:start + EXCERPT_MAX]
    cut_end = start + EXCERPT_MAX < len(text)
    if cut_end:
        space = piece.rfind(" ")
        piece = piece[:space] if space > EXCERPT_MAX - 20 else piece  # at the end of a word, when one is near
        piece = piece.rstrip(" ,;:")
    return f"“{'…' if start else ''}{piece}{'…' if cut_end else ''}”"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _plain(value: object) -> str:
    return str(value)


def _count(slugs: list[str]) -> str:
    return f"{len(slugs)} article{'s' if len(slugs) != 1 else ''}"
