"""The path editor's unsaved draft: a plain dict reshaped by the editor's buttons before anything is saved."""

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
            "status": PathStatus.draft, "sections": [{"title": "", "items": []}]}


def draft_of(definition: PathDefinition) -> Draft:
    return definition.model_dump(mode="json")


def apply_action(draft: Draft, action: str, *, add_to: int | None = None) -> Draft:
    """Apply one editor action to an unsaved draft: add, move, remove items or sections, toggle nothing else.

    Actions: add-section, remove-section:S, section-up:S, section-down:S, up:S:I, down:S:I,
    remove:S:I, add:SLUG (into section `add_to`, or the last one).
    """
    sections = draft["sections"]
    kind, _, rest = action.partition(":")
    try:
        numbers = [int(x) for x in rest.split(":")] if rest and kind != "add" else []
        if kind == "refresh":
            pass
        elif kind == "add-section":
            sections.append({"title": "", "items": []})
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
                sections.append({"title": "", "items": []})
            target = add_to if add_to is not None and 0 <= add_to < len(sections) else len(sections) - 1
            sections[target]["items"].append({"slug": rest, "optional": False})
        else:
            raise DraftError(f"Unknown editor action '{action}'.")
    except (IndexError, ValueError) as exc:
        if isinstance(exc, DraftError):
            raise
        raise DraftError(f"The editor action '{action}' does not fit this path.") from None
    return draft
