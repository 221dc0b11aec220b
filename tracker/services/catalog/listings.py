"""Captured blog listing pages turned into article records: the records, the shared text helpers and topic
names. The five layouts, and `parse_listing` which picks one, live in `layouts`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from slugify import slugify

from tracker.models import READING_MINUTES_MAX
from tracker.services.errors import Invalid


class ListingError(Invalid):
    """The text is not a listing we can read; the message says why."""


def reading_minutes_of(text: str, line: str) -> int:
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
    series_number_inferred: bool = False
    reading_minutes: int | None = None
    published_on: date | None = None
    url: str | None = None
    link_only: bool = False


@dataclass
class ParsedListing:
    source_slug: str
    source_name: str
    provenance: str
    articles: list[ParsedArticle]
    warnings: list[str] = field(default_factory=list)  # where the page contradicts itself; the import goes on


@dataclass(frozen=True)
class HubPath:
    """A learning path as the hub listing describes it."""

    letter: str
    title: str
    weeks_min: int
    weeks_max: int | None
    bullets: list[str]
    outcome: str


def text_lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n")]


def nonblank_lines(text: str) -> list[str]:
    return [line for line in text_lines(text) if line]


def listing_date(value: str) -> date:
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


def blocks_from(lines: list[str], start: re.Pattern[str]) -> list[tuple[re.Match[str], list[str]]]:
    """Runs of lines, each from a line `start` matches to the next such line, with that line's match
    (lines before the first match are left out)."""
    blocks: list[tuple[re.Match[str], list[str]]] = []
    for line in lines:
        if head := start.match(line):
            blocks.append((head, [line]))
        elif blocks:
            blocks[-1][1].append(line)
    return blocks


def count_mismatch(stated: int, found: int, noun: str, *, of: str = "") -> list[str]:
    """A warning when the page's own count of something ("article", "tag") disagrees with what was parsed."""
    if stated == found:
        return []
    counted = f"{stated} {noun}{'' if stated == 1 else 's'}"
    subject = f"'{of}' has {counted}" if of else counted
    return [f"the page says {subject}, {found} {'was' if found == 1 else 'were'} found"]


def unique_by_slug(names: list[str]) -> list[str]:
    seen: set[str] = set()
    unique: list[str] = []
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
