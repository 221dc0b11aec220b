"""The five listing layouts this importer knows, each a detector and a parser, and the hub page's paths."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from tracker.services.listings import (
    HubPath,
    ListingError,
    ParsedArticle,
    blocks_from,
    listing_date,
    nonblank_lines,
    reading_minutes_of,
    unique_by_slug,
    split_glued_tags,
)


_TOPIC_HEADING = re.compile(r"^(?P<topic>\S.*?) (?P<count>\d+) articles?$")


_SERIES_LABEL = re.compile(r"^(?P<series>[A-Z][A-Za-z]*) · (?P<number>\d{2})(?P<title>\S.*)$")


def _is_topic_series(text: str) -> bool:
    head = "\n".join(nonblank_lines(text)[:3])
    return "articles by topic" in head


def _parse_topic_series(text: str) -> list[ParsedArticle]:
    """Topic groups ("Architecture 8 articles"), each a run of title/summary line pairs.

    A "Backend · 08" label is glued to the front of the next title and belongs to that
    article; the first article of a group has no label.
    """
    articles: list[ParsedArticle] = []
    topic: str | None = None
    pending: ParsedArticle | None = None
    for line in nonblank_lines(text)[2:]:
        heading = _TOPIC_HEADING.match(line)
        if heading and pending is None:
            topic = heading.group("topic")
            continue
        if topic is None:
            raise ListingError(f"expected a topic heading like 'Architecture 8 articles', got {line!r}")
        if pending is None:
            pending = ParsedArticle(title=line, topics=[topic])
            label = _SERIES_LABEL.match(line)
            if label:
                pending.title = label.group("title")
                pending.series = label.group("series")
                pending.series_number = int(label.group("number"))
        else:
            pending.summary = line
            articles.append(pending)
            pending = None
    if pending is not None:
        raise ListingError(f"article {pending.title!r} has no summary line")
    return articles


_TAG_ARCHIVE_DATE = re.compile(r"^(?P<date>[A-Z][a-z]{2} \d{1,2}, \d{4}) · (?P<minutes>\d+)m$")


def _is_tag_archive(text: str) -> bool:
    lines = nonblank_lines(text)
    return bool(lines) and lines[0].startswith("#") and any(_TAG_ARCHIVE_DATE.match(x) for x in lines)


def _parse_tag_archive(text: str) -> list[ParsedArticle]:
    """Blocks of: "Apr 15, 2026 · 16m", title, summary, glued tags."""
    articles = []
    for block in blocks_from(nonblank_lines(text), _TAG_ARCHIVE_DATE):
        head = _TAG_ARCHIVE_DATE.match(block[0])
        if len(block) != 4:
            raise ListingError(f"post dated {block[0]!r} should have a title, a summary and tags")
        articles.append(ParsedArticle(
            title=block[1],
            summary=block[2],
            topics=split_glued_tags(block[3]),
            reading_minutes=reading_minutes_of(head.group("minutes"), block[0]),
            published_on=listing_date(head.group("date")),
        ))
    return articles


_CARD_MINUTES = re.compile(r"^(?P<minutes>\d+) min$")


def _is_card_grid(text: str) -> bool:
    lines = nonblank_lines(text)
    return bool(lines) and lines[0].endswith("Articles Published")


def _parse_card_grid(text: str) -> list[ParsedArticle]:
    """Cards of: category, "6 min", title, summary, "Read more"."""
    lines = nonblank_lines(text)
    articles = []
    for index, line in enumerate(lines):
        minutes = _CARD_MINUTES.match(line)
        if not minutes:
            continue
        card = lines[index - 1:index + 4]
        if len(card) != 5 or card[4] != "Read more":
            raise ListingError(f"card near {line!r} should be category, minutes, title, summary, 'Read more'")
        articles.append(ParsedArticle(
            title=card[2], summary=card[3], topics=[card[0]], reading_minutes=reading_minutes_of(minutes.group("minutes"), line),
        ))
    return articles


def repair_hub_text(text: str) -> str:
    """Undo the hub capture's damage: UTF-8 punctuation and emoji read as Thai (cp874) with bytes lost.

    'โ' (from E2 ..) stood for a dash: an en dash between numbers, an em dash elsewhere.
    '๐' (from F0 ..) was an emoji used as a heading marker; it carries nothing and is dropped.
    """
    text = re.sub(r"(?<=\d)โ(?=\d)", "–", text)
    text = text.replace("โ", "—")
    text = re.sub(r"๐\S*\s?", "", text)
    return text


def _is_hub(text: str) -> bool:
    lines = nonblank_lines(text)
    return bool(lines) and lines[0].endswith("Hub") and "Learning paths" in text


def _hub_section(text: str, heading: str, until: str) -> list[str]:
    lines = nonblank_lines(repair_hub_text(text))
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    except StopIteration:
        raise ListingError(f"no '{heading}' section") from None
    section = []
    for line in lines[start + 1:]:
        if line.startswith(until):
            break
        section.append(line)
    return section


def _parse_hub(text: str) -> list[ParsedArticle]:
    """The "Getting started" list: "- Title — summary"."""
    articles = []
    for line in _hub_section(text, "Getting started", "Main categories"):
        if not line.startswith("- "):
            continue
        title, _, summary = line[2:].partition(" — ")
        articles.append(ParsedArticle(title=title.strip(), summary=summary.strip(), topics=["Getting Started"]))
    if not articles:
        raise ListingError("the 'Getting started' section lists no articles")
    return articles


_HUB_PATH = re.compile(
    r"^Path (?P<letter>[A-Z]): (?P<title>.+?) \((?P<min>\d+)(?:–(?P<max>\d+)|(?P<plus>\+))? weeks\)$"
)


def parse_hub_paths(text: str) -> list[HubPath]:
    """The learning paths the hub page defines: title, weeks, one bullet per section, outcome."""
    paths: list[HubPath] = []
    current: dict | None = None
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


_FEED_DATE = re.compile(r"^(?P<date>[A-Z][a-z]{2} \d{1,2}, \d{4}) · (?P<category>[^\d].*)$")


_ELLIPSIS = re.compile(r"\s*(\.\.\.|…)$")


def _is_category_feed(text: str) -> bool:
    lines = nonblank_lines(text)
    return bool(lines) and bool(_FEED_DATE.match(lines[0]))


def _parse_category_feed(text: str) -> list[ParsedArticle]:
    """Blocks of: "Jun 11, 2025 · Category", title, summary cut with "...", space-separated tags."""
    articles = []
    for block in blocks_from(nonblank_lines(text), _FEED_DATE):
        head = _FEED_DATE.match(block[0])
        if len(block) != 4:
            raise ListingError(f"post dated {block[0]!r} should have a title, a summary and tags")
        summary, truncated = block[2], bool(_ELLIPSIS.search(block[2]))
        if truncated:
            summary = _ELLIPSIS.sub("", summary)
        topics = [head.group("category")] + block[3].split()
        articles.append(ParsedArticle(
            title=block[1], summary=summary, summary_truncated=truncated,
            topics=unique_by_slug(topics), published_on=listing_date(head.group("date")),
        ))
    return articles


@dataclass(frozen=True)
class Layout:
    source_name: str
    detect: Callable[[str], bool]
    parse: Callable[[str], list[ParsedArticle]]


# Names given to the five captured listings; `--source-name` overrides them on import.
LAYOUTS = (
    Layout("Backend & DevOps Series", _is_topic_series, _parse_topic_series),
    Layout("#Backend Blog", _is_tag_archive, _parse_tag_archive),
    Layout("System Design Blog", _is_card_grid, _parse_card_grid),
    Layout("Backend Development Hub", _is_hub, _parse_hub),
    Layout("Architecture Notes", _is_category_feed, _parse_category_feed),
)
