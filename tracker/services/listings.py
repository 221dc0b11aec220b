"""Parsers that turn captured blog listing pages into article records.

Each supported listing layout has a detector and a parser. `parse_listing` picks the
layout from the text itself, so `tracker catalog import FILE...` needs no flags.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from slugify import slugify

from tracker.models import READING_MINUTES_MAX
from tracker.services.errors import Invalid


class ListingError(Invalid):
    """The text is not a listing we can read; the message says why."""




def _reading_minutes(text: str, line: str) -> int:
    minutes = int(text[:6]) if len(text) <= 6 else READING_MINUTES_MAX + 1
    if not 1 <= minutes <= READING_MINUTES_MAX:
        raise ListingError(f"reading time out of range (1–{READING_MINUTES_MAX} minutes) in {line[:80]!r}")
    return minutes


@dataclass
class ParsedArticle:
    title: str
    summary: str = ""
    summary_truncated: bool = False
    topics: list[str] = field(default_factory=list)
    series: str | None = None
    series_number: int | None = None
    reading_minutes: int | None = None
    published_on: date | None = None
    url: str | None = None


@dataclass
class ParsedListing:
    source_slug: str
    source_name: str
    provenance: str
    articles: list[ParsedArticle]


@dataclass(frozen=True)
class HubPath:
    """A learning path as the hub listing describes it."""

    letter: str
    title: str
    weeks_min: int
    weeks_max: int | None
    bullets: list[str]
    outcome: str


# ---------------------------------------------------------------- helpers

def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n")]


def _nonblank(text: str) -> list[str]:
    return [line for line in _lines(text) if line]


def _listing_date(value: str) -> date:
    return datetime.strptime(value, "%b %d, %Y").date()


# Tags written with internal capitals or punctuation that a camel-case split would break.
TAG_LEXICON = (
    "PostgreSQL", "MySQL", "NoSQL", "GraphQL", "OpenTelemetry", "OpenAPI", "TypeScript",
    "JavaScript", "FastAPI", "gRPC", "DevOps", "DevSecOps", "FinOps", "GitOps", "WebSocket",
    "WebSockets", "WebAuthn", "Node.js", "GitHub", "GitLab", "MongoDB", "DynamoDB", "RabbitMQ",
    "ArgoCD", "CloudFront", "iOS", "macOS",
)
_LEXICON_RE = re.compile("|".join(re.escape(t) for t in sorted(TAG_LEXICON, key=len, reverse=True)))
# A boundary inside a run of glued tags: lower->Upper ("KafkaEvent"), or the last capital of an
# acronym before a capitalised word ("CQRSEvent", "RESTBackend"). Spaces never split: they join
# the words of a multi-word tag ("Event Streaming").
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def split_glued_tags(glued: str) -> list[str]:
    """Split tags printed without separators ("KafkaEvent StreamingBeginner") into real tags."""
    tags: list[str] = []
    position = 0
    for match in _LEXICON_RE.finditer(glued):
        tags.extend(_camel_split(glued[position:match.start()]))
        tags.append(match.group())
        position = match.end()
    tags.extend(_camel_split(glued[position:]))
    return tags


def _camel_split(chunk: str) -> list[str]:
    return [part.strip() for part in _CAMEL_BOUNDARY.split(chunk) if part.strip()]


# ---------------------------------------------------------------- layout: topic series (000)

_TOPIC_HEADING = re.compile(r"^(?P<topic>\S.*?) (?P<count>\d+) articles?$")
_SERIES_LABEL = re.compile(r"^(?P<series>[A-Z][A-Za-z]*) · (?P<number>\d{2})(?P<title>\S.*)$")


def _is_topic_series(text: str) -> bool:
    head = "\n".join(_nonblank(text)[:3])
    return "articles by topic" in head


def _parse_topic_series(text: str) -> list[ParsedArticle]:
    """Topic groups ("Architecture 8 articles"), each a run of title/summary line pairs.

    A "Backend · 08" label is glued to the front of the next title and belongs to that
    article; the first article of a group has no label.
    """
    articles: list[ParsedArticle] = []
    topic: str | None = None
    pending: ParsedArticle | None = None
    for line in _nonblank(text)[2:]:
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


# ---------------------------------------------------------------- layout: tag archive (001)

_TAG_ARCHIVE_DATE = re.compile(r"^(?P<date>[A-Z][a-z]{2} \d{1,2}, \d{4}) · (?P<minutes>\d+)m$")


def _is_tag_archive(text: str) -> bool:
    lines = _nonblank(text)
    return bool(lines) and lines[0].startswith("#") and any(_TAG_ARCHIVE_DATE.match(x) for x in lines)


def _parse_tag_archive(text: str) -> list[ParsedArticle]:
    """Blocks of: "Apr 15, 2026 · 16m", title, summary, glued tags."""
    articles = []
    for block in _blocks(_nonblank(text), _TAG_ARCHIVE_DATE):
        head = _TAG_ARCHIVE_DATE.match(block[0])
        if len(block) != 4:
            raise ListingError(f"post dated {block[0]!r} should have a title, a summary and tags")
        articles.append(ParsedArticle(
            title=block[1],
            summary=block[2],
            topics=split_glued_tags(block[3]),
            reading_minutes=_reading_minutes(head.group("minutes"), block[0]),
            published_on=_listing_date(head.group("date")),
        ))
    return articles


def _blocks(lines: list[str], start: re.Pattern) -> list[list[str]]:
    blocks: list[list[str]] = []
    for line in lines:
        if start.match(line):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
    return blocks


# ---------------------------------------------------------------- layout: card grid (002)

_CARD_MINUTES = re.compile(r"^(?P<minutes>\d+) min$")


def _is_card_grid(text: str) -> bool:
    lines = _nonblank(text)
    return bool(lines) and lines[0].endswith("Articles Published")


def _parse_card_grid(text: str) -> list[ParsedArticle]:
    """Cards of: category, "6 min", title, summary, "Read more"."""
    lines = _nonblank(text)
    articles = []
    for index, line in enumerate(lines):
        minutes = _CARD_MINUTES.match(line)
        if not minutes:
            continue
        card = lines[index - 1:index + 4]
        if len(card) != 5 or card[4] != "Read more":
            raise ListingError(f"card near {line!r} should be category, minutes, title, summary, 'Read more'")
        articles.append(ParsedArticle(
            title=card[2], summary=card[3], topics=[card[0]], reading_minutes=_reading_minutes(minutes.group("minutes"), line),
        ))
    return articles


# ---------------------------------------------------------------- layout: hub page (003)

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
    lines = _nonblank(text)
    return bool(lines) and lines[0].endswith("Hub") and "Learning paths" in text


def _hub_section(text: str, heading: str, until: str) -> list[str]:
    lines = _nonblank(repair_hub_text(text))
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


# ---------------------------------------------------------------- layout: category feed (004)

_FEED_DATE = re.compile(r"^(?P<date>[A-Z][a-z]{2} \d{1,2}, \d{4}) · (?P<category>[^\d].*)$")
_ELLIPSIS = re.compile(r"\s*(\.\.\.|…)$")


def _is_category_feed(text: str) -> bool:
    lines = _nonblank(text)
    return bool(lines) and bool(_FEED_DATE.match(lines[0]))


def _parse_category_feed(text: str) -> list[ParsedArticle]:
    """Blocks of: "Jun 11, 2025 · Category", title, summary cut with "...", space-separated tags."""
    articles = []
    for block in _blocks(_nonblank(text), _FEED_DATE):
        head = _FEED_DATE.match(block[0])
        if len(block) != 4:
            raise ListingError(f"post dated {block[0]!r} should have a title, a summary and tags")
        summary, truncated = block[2], bool(_ELLIPSIS.search(block[2]))
        if truncated:
            summary = _ELLIPSIS.sub("", summary)
        topics = [head.group("category")] + block[3].split()
        articles.append(ParsedArticle(
            title=block[1], summary=summary, summary_truncated=truncated,
            topics=_unique_by_slug(topics), published_on=_listing_date(head.group("date")),
        ))
    return articles


# ---------------------------------------------------------------- dispatch

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


def parse_listing(text: str, *, provenance: str, source_name: str | None = None) -> ParsedListing:
    """Recognise the listing's layout and parse its articles."""
    for layout in LAYOUTS:
        if layout.detect(text):
            articles = layout.parse(text)
            if not articles:
                raise ListingError("the listing holds no articles")
            name = source_name or layout.source_name
            return ParsedListing(source_slug=slugify(name), source_name=name,
                                 provenance=provenance, articles=articles)
    raise ListingError("not a listing layout this importer knows "
                       "(topic series, tag archive, card grid, hub page or category feed)")


def _unique_by_slug(names: list[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for name in names:
        key = topic_slug(name)
        if key and key not in seen:
            seen.add(key)
            unique.append(name)
    return unique


def topic_slug(name: str) -> str:
    """One slug per topic whatever the spelling: 'Distributed Systems' == 'distributed-systems'."""
    return slugify(name.replace("#", " sharp").replace("+", " plus"))


_ACRONYMS = {"api", "cap", "cdn", "cqrs", "dns", "http", "jwt", "rest", "sql", "sre", "tcp", "tpl",
             "udp", "ci", "cd", "aws", "gcp", "sso", "mfa", "orm", "ddd", "tls", "ssl"}


def topic_display_name(names: list[str]) -> str:
    """The best way to print a topic seen under several spellings.

    A spelling with capitals ("Distributed Systems") beats a lower-case tag
    ("distributed-systems"); a tag seen only in lower case is title-cased word by word.
    """
    written = [n for n in names if n != n.lower()]
    if written:
        spaced = [n for n in written if "-" not in n]
        return spaced[0] if spaced else written[0].replace("-", " ")
    words = re.split(r"[-\s]+", names[0])
    return " ".join(w.upper() if w in _ACRONYMS else w.capitalize() for w in words)
