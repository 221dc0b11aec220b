"""The hub listing (003): its articles, and the learning paths it names (the four curated paths come from
here)."""

from __future__ import annotations

import re
from typing import TypedDict

from tracker.services.catalog.listings import (
    HubPath,
    ListingError,
    ParsedArticle,
    nonblank_lines,
)


def repair_hub_text(text: str) -> str:
    """Undo the hub capture's damage: UTF-8 punctuation and emoji read as Thai (cp874) with bytes lost.

    'โ' (from E2 ..) stood for a dash: an en dash between numbers, an em dash elsewhere.
    '\N{THAI DIGIT ZERO}' (from F0 ..) was an emoji used as a heading marker; it carries nothing and is dropped.
    """
    text = re.sub(r"(?<=\d)โ(?=\d)", "–", text)
    text = text.replace("โ", "—")
    text = re.sub(r"\N{THAI DIGIT ZERO}\S*\s?", "", text)  # by name: it looks like a Latin "o"
    return text


def is_hub(text: str) -> bool:
    lines = nonblank_lines(text)
    return bool(lines) and lines[0].endswith("Hub") and "Learning paths" in text


def _hub_section(text: str, heading: str, until: str) -> list[str]:
    lines = nonblank_lines(repair_hub_text(text))
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    except StopIteration:
        raise ListingError(f"no '{heading}' section") from None
    section: list[str] = []
    for line in lines[start + 1:]:
        if line.startswith(until):
            break
        section.append(line)
    return section


def parse_hub(text: str) -> list[ParsedArticle]:
    """The "Getting started" list: "- Title — summary".

    Every entry of that list is link-only: the page gives a title and a blurb of a few words
    ("Design stable, versionable APIs"), no date, no reading time and no body of its own, so it
    points at an article rather than being one. The rule is the section, not the blurb's length:
    a longer blurb would not make the entry an article. (The hub's "48+ guides" statistic counts
    its whole archive, not this list, so the hub states no count to check.)
    """
    articles: list[ParsedArticle] = []
    for line in _hub_section(text, "Getting started", "Main categories"):
        if not line.startswith("- "):
            continue
        title, _, summary = line[2:].partition(" — ")
        articles.append(ParsedArticle(title=title.strip(), summary=summary.strip(), topics=["Getting Started"],
                                      link_only=True))
    if not articles:
        raise ListingError("the 'Getting started' section lists no articles")
    return articles


_HUB_PATH = re.compile(
    r"^Path (?P<letter>[A-Z]): (?P<title>.+?) \((?P<min>\d+)(?:–(?P<max>\d+)|(?P<plus>\+))? weeks\)$"
)


class _PathHeading(TypedDict):
    """A hub path read up to its outcome line: its heading's fields and the bullets so far."""

    letter: str
    title: str
    weeks_min: int
    weeks_max: int | None
    bullets: list[str]


def parse_hub_paths(text: str) -> list[HubPath]:
    """The learning paths the hub page defines: title, weeks, one bullet per section, outcome."""
    paths: list[HubPath] = []
    current: _PathHeading | None = None
    for line in _hub_section(text, "Learning paths", "Key statistics"):
        match = _HUB_PATH.match(line)
        if match:
            current = {
                "letter": match.group("letter"), "title": match.group("title"),
                "weeks_min": int(match.group("min")),
                "weeks_max": int(match.group("max")) if match.group("max") else None,
                "bullets": [],
            }
        elif current and line.startswith("- "):
            current["bullets"].append(line[2:].strip())
        elif current and line.startswith("Outcome:"):
            paths.append(HubPath(outcome=line.removeprefix("Outcome:").strip(), **current))
            current = None
    return paths
