"""The path editor's unsaved draft: a plain dict reshaped by the editor's buttons before anything is saved,
and where the keyboard focus goes after each button (`focus_after`)."""

from __future__ import annotations

from typing import Any, TypeAlias

from tracker.models import PathStatus
from tracker.services.curriculum.format import PathDefinition
from tracker.services.errors import Invalid


class DraftError(Invalid):
    """An editor action that cannot apply (for example, an index out of range)."""


# A path definition as JSON data (`PathDefinition.model_dump(mode="json")`), not yet valid: the editor's form.
Draft: TypeAlias = dict[str, Any]


def empty_draft() -> Draft:
    return {"slug": "", "title": "", "summary": "", "outcome": "", "weeks": {"min": 4, "max": None}, "order": 100,
            "status": PathStatus.draft, "sections": [new_section()], "prerequisites": [],
            "mastery": None}


def new_section() -> dict[str, Any]:
    """An empty section of a draft: core, in any order."""
    return {"title": "", "why": "", "kind": "core", "pick": None, "sequential": False, "items": []}


def draft_of(definition: PathDefinition) -> Draft:
    return definition.model_dump(mode="json")


def apply_action(draft: Draft, action: str, *, add_to: int | None = None) -> Draft:
    """Apply one editor action to an unsaved draft: add, move, remove items or sections, toggle nothing else.

    Actions: add-section, remove-section:S, section-up:S, section-down:S, up:S:I, down:S:I,
    remove:S:I, add:SLUG (into section `add_to`, or the last one); refresh and search change nothing.
    """
    sections = draft["sections"]
    kind, _, rest = action.partition(":")
    try:
        numbers = [int(x) for x in rest.split(":")] if rest and kind != "add" else []
        if kind in {"refresh", "search"}:  # the draft as it is (the view shows the catalog search)
            pass
        elif kind == "add-section":
            sections.append(new_section())
        elif kind == "remove-section":
            sections.pop(numbers[0])
        elif kind in {"section-up", "section-down"}:
            s = numbers[0]
            t = s - 1 if kind == "section-up" else s + 1
            if 0 <= t < len(sections):
                sections[s], sections[t] = sections[t], sections[s]
        elif kind in {"up", "down"}:
            s, i = numbers
            items = sections[s]["items"]
            t = i - 1 if kind == "up" else i + 1
            if 0 <= t < len(items):
                items[i], items[t] = items[t], items[i]
            elif kind == "up" and s > 0:          # past the top: into the end of the previous section
                sections[s - 1]["items"].append(items.pop(i))
            elif kind == "down" and s + 1 < len(sections):  # past the bottom: to the start of the next one
                sections[s + 1]["items"].insert(0, items.pop(i))
        elif kind == "remove":
            s, i = numbers
            sections[s]["items"].pop(i)
        elif kind == "add":
            if any(item["slug"] == rest for section in sections for item in section["items"]):
                raise DraftError(f"'{rest}' is already in this path.")
            if not sections:
                sections.append(new_section())
            target = add_to if add_to is not None and 0 <= add_to < len(sections) else len(sections) - 1
            sections[target]["items"].append({"slug": rest, "optional": False})
        else:
            raise DraftError(f"Unknown editor action '{action}'.")
    except (IndexError, ValueError) as exc:
        if isinstance(exc, DraftError):
            raise
        raise DraftError(f"The editor action '{action}' does not fit this path.") from None
    return draft


def focus_after(before: Draft, after: Draft, action: str) -> str | None:
    """The editor control that keeps the keyboard focus after `action` reshaped `before` into `after`.

    Focus follows what moved: after "Move down" it is on the moved article's own "Move down" button in its new
    place (or its "Move up" one when it can go no further), so a second press moves it again rather than
    moving its neighbour back. Keys are button values ("down:1:0"), "title:S" for a section title, or "search".
    """
    kind, _, rest = action.partition(":")
    sections = after["sections"]
    if kind in {"up", "down"}:
        s, i = (int(x) for x in rest.split(":"))
        slug = before["sections"][s]["items"][i]["slug"]
        place = next(((t, j) for t, section in enumerate(sections) for j, item in enumerate(section["items"])
                      if item["slug"] == slug), None)
        if place is None:
            return None
        t, j = place
        first = t == 0 and j == 0
        last = t == len(sections) - 1 and j == len(sections[t]["items"]) - 1
        direction = "down" if (kind == "up" and first) or (kind == "down" and not last) else "up"
        return f"{direction}:{t}:{j}" if not (first and last) else f"remove:{t}:{j}"
    if kind in {"section-up", "section-down"}:
        s = int(rest)
        t = max(0, min(len(sections) - 1, s - 1 if kind == "section-up" else s + 1))
        if len(sections) == 1:
            return "title:0"
        if kind == "section-up":
            return f"section-up:{t}" if t > 0 else f"section-down:{t}"
        return f"section-down:{t}" if t < len(sections) - 1 else f"section-up:{t}"
    if kind == "remove":
        s, i = (int(x) for x in rest.split(":"))
        remaining = len(sections[s]["items"]) if s < len(sections) else 0
        return f"remove:{s}:{min(i, remaining - 1)}" if remaining else f"title:{s}"
    if kind == "add-section":
        return f"title:{len(sections) - 1}"
    if kind == "remove-section":
        return "add-section"
    if kind in {"add", "search"}:
        return "search"
    return None
