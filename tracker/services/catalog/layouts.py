"""The five listing layouts this importer knows, each a detector and a parser (the hub's: `hub`), and
`parse_listing`, which picks the layout from the text itself (so `tracker catalog import FILE...` needs no flags)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from slugify import slugify

from tracker.services.catalog.hub import is_hub, parse_hub
from tracker.services.catalog.listings import (
    ListingError,
    ParsedArticle,
    ParsedListing,
    blocks_from,
    count_mismatch,
    listing_date,
    nonblank_lines,
    reading_minutes_of,
    split_glued_tags,
    unique_by_slug,
)

_TOPIC_HEADING = re.compile(r"^(?P<topic>\S.*?) (?P<count>\d+) articles?$")


_SERIES_LABEL = re.compile(r"^(?P<series>[A-Z][A-Za-z]*) · (?P<number>\d{2})(?P<title>\S.*)$")


def _is_topic_series(text: str) -> bool:
    head = "\n".join(nonblank_lines(text)[:3])
    return "articles by topic" in head


@dataclass
class _TopicGroup:
    topic: str
    stated: int  # the heading's own count: "Architecture 8 articles"
    articles: list[ParsedArticle]


def _topic_groups(text: str) -> list[_TopicGroup]:
    """Topic groups ("Architecture 8 articles"), each a run of title/summary line pairs.

    A "Backend · 08" label is glued to the front of the next title and belongs to that
    article; the first article of a group has no label.
    """
    groups: list[_TopicGroup] = []
    pending: ParsedArticle | None = None
    for line in nonblank_lines(text)[2:]:
        heading = _TOPIC_HEADING.match(line)
        if heading and pending is None:
            groups.append(_TopicGroup(heading.group("topic"), int(heading.group("count")), []))
            continue
        if not groups:
            raise ListingError(f"expected a topic heading like 'Architecture 8 articles', got {line!r}")
        if pending is None:
            pending = ParsedArticle(title=line, topics=[groups[-1].topic])
            label = _SERIES_LABEL.match(line)
            if label:
                pending.title = label.group("title")
                pending.series = label.group("series")
                pending.series_number = int(label.group("number"))
        else:
            pending.summary = line
            groups[-1].articles.append(pending)
            pending = None
    if pending is not None:
        raise ListingError(f"article {pending.title!r} has no summary line")
    return groups


def _parse_topic_series(text: str) -> list[ParsedArticle]:
    groups = _topic_groups(text)
    _infer_series_numbers(groups)
    return [article for group in groups for article in group.articles]


def _infer_series_numbers(groups: list[_TopicGroup]) -> None:
    """Number a group's unlabelled first article where the gaps in its series leave one choice.

    The page prints no label on the first article of each group. Within a group the numbers
    rise, so that article comes before the next one's number n. It is taken to be n - 1 of the
    same series only when n - 1 is the one number missing right before n: no article is
    labelled n - 1, and n - 1 is 1 or n - 2 is labelled. A wider gap ("04" and "05" both
    missing before "06") could hold an article the page does not list, so the number stays
    empty. Two groups claiming the same number both stay empty. Marked series_number_inferred.
    """
    labelled = {(a.series, a.series_number) for g in groups for a in g.articles if a.series}
    claims: dict[tuple[str, int], list[ParsedArticle]] = {}
    for group in groups:
        if len(group.articles) < 2 or group.articles[0].series:
            continue
        second = group.articles[1]
        if not second.series or second.series_number is None:
            continue
        series, number = second.series, second.series_number - 1
        if number >= 1 and (series, number) not in labelled and (number == 1 or (series, number - 1) in labelled):
            claims.setdefault((series, number), []).append(group.articles[0])
    for (series, number), articles in claims.items():
        if len(articles) == 1:
            articles[0].series, articles[0].series_number = series, number
            articles[0].series_number_inferred = True


_SERIES_HEADER = re.compile(r"^Browse (?P<articles>\d+) articles by topic — (?P<tags>\d+) tags\b")


def _check_topic_series(text: str, articles: list[ParsedArticle]) -> list[str]:
    """The header's article and tag counts, and each heading's article count."""
    groups = _topic_groups(text)
    warnings: list[str] = []
    header = next((m for line in nonblank_lines(text)[:3] if (m := _SERIES_HEADER.match(line))), None)
    if header:
        warnings += count_mismatch(int(header.group("articles")), len(articles), "article")
        warnings += count_mismatch(int(header.group("tags")), len(groups), "tag")
    for group in groups:
        warnings += count_mismatch(group.stated, len(group.articles), "article", of=group.topic)
    return warnings


_TAG_ARCHIVE_DATE = re.compile(r"^(?P<date>[A-Z][a-z]{2} \d{1,2}, \d{4}) · (?P<minutes>\d+)m$")


def _is_tag_archive(text: str) -> bool:
    lines = nonblank_lines(text)
    return bool(lines) and lines[0].startswith("#") and any(_TAG_ARCHIVE_DATE.match(x) for x in lines)


def _parse_tag_archive(text: str) -> list[ParsedArticle]:
    """Blocks of: "Apr 15, 2026 · 16m", title, summary, glued tags.

    The page is the archive of one tag ("#Backend"), which every post on it carries even when its
    own tag line (the first few tags only) leaves it out: it is added last where missing.
    """
    lines = nonblank_lines(text)
    page_tag = lines[0].removeprefix("#").strip()
    articles: list[ParsedArticle] = []
    for head, block in blocks_from(lines, _TAG_ARCHIVE_DATE):
        if len(block) != 4:
            raise ListingError(f"post dated {block[0]!r} should have a title, a summary and tags")
        articles.append(ParsedArticle(
            title=block[1],
            summary=block[2],
            topics=unique_by_slug([*split_glued_tags(block[3]), page_tag]),
            reading_minutes=reading_minutes_of(head.group("minutes"), block[0]),
            published_on=listing_date(head.group("date")),
        ))
    return articles


_POST_COUNT = re.compile(r"^— (?P<count>\d+) posts?$")


def _check_tag_archive(text: str, articles: list[ParsedArticle]) -> list[str]:
    """The "— 30 posts" line under the tag."""
    return [warning for line in nonblank_lines(text)[:3] if (m := _POST_COUNT.match(line))
            for warning in count_mismatch(int(m.group("count")), len(articles), "article")]


_CARD_MINUTES = re.compile(r"^(?P<minutes>\d+) min$")


def _is_card_grid(text: str) -> bool:
    lines = nonblank_lines(text)
    return bool(lines) and lines[0].endswith("Articles Published")


def _parse_card_grid(text: str) -> list[ParsedArticle]:
    """Cards of: category, "6 min", title, summary, "Read more"."""
    lines = nonblank_lines(text)
    articles: list[ParsedArticle] = []
    for index, line in enumerate(lines):
        minutes = _CARD_MINUTES.match(line)
        if not minutes:
            continue
        card = lines[index - 1:index + 4]
        if len(card) != 5 or card[4] != "Read more":
            raise ListingError(f"card near {line!r} should be category, minutes, title, summary, 'Read more'")
        articles.append(ParsedArticle(
            title=card[2], summary=card[3], topics=[card[0]],
            reading_minutes=reading_minutes_of(minutes.group("minutes"), line),
        ))
    return articles


_CARD_COUNT = re.compile(r"^(?P<count>\d+) [Aa]rticles?(?: Published)?$")


def _check_card_grid(text: str, articles: list[ParsedArticle]) -> list[str]:
    """The "21 Articles Published" banner and the "21 articles" line above the cards."""
    warnings: list[str] = []
    for line in nonblank_lines(text):
        if _CARD_MINUTES.match(line):
            break  # the cards have begun
        if count := _CARD_COUNT.match(line):
            warnings += count_mismatch(int(count.group("count")), len(articles), "article")
    return warnings


_FEED_DATE = re.compile(r"^(?P<date>[A-Z][a-z]{2} \d{1,2}, \d{4}) · (?P<category>[^\d].*)$")


_ELLIPSIS = re.compile(r"\s*(\.\.\.|…)$")


def _is_category_feed(text: str) -> bool:
    lines = nonblank_lines(text)
    return bool(lines) and bool(_FEED_DATE.match(lines[0]))


def _parse_category_feed(text: str) -> list[ParsedArticle]:
    """Blocks of: "Jun 11, 2025 · Category", title, summary cut with "...", space-separated tags."""
    articles: list[ParsedArticle] = []
    for head, block in blocks_from(nonblank_lines(text), _FEED_DATE):
        if len(block) != 4:
            raise ListingError(f"post dated {block[0]!r} should have a title, a summary and tags")
        summary, truncated = block[2], bool(_ELLIPSIS.search(block[2]))
        if truncated:
            summary = _ELLIPSIS.sub("", summary)
        topics = [head.group("category"), *block[3].split()]
        articles.append(ParsedArticle(
            title=block[1], summary=summary, summary_truncated=truncated,
            topics=unique_by_slug(topics), published_on=listing_date(head.group("date")),
        ))
    return articles


def _no_counts(text: str, articles: list[ParsedArticle]) -> list[str]:
    return []


@dataclass(frozen=True)
class Layout:
    source_name: str
    detect: Callable[[str], bool]
    parse: Callable[[str], list[ParsedArticle]]
    # The counts the page states about itself checked against the parse: one warning per disagreement.
    check_counts: Callable[[str, list[ParsedArticle]], list[str]] = _no_counts


# Names given to the five captured listings; `--source-name` overrides them on import.
LAYOUTS = (
    Layout("Backend & DevOps Series", _is_topic_series, _parse_topic_series, _check_topic_series),
    Layout("#Backend Blog", _is_tag_archive, _parse_tag_archive, _check_tag_archive),
    Layout("System Design Blog", _is_card_grid, _parse_card_grid, _check_card_grid),
    Layout("Backend Development Hub", is_hub, parse_hub),
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
            warnings = list(dict.fromkeys(layout.check_counts(text, articles)))
            return ParsedListing(source_slug=slugify(name), source_name=name,
                                 provenance=provenance, articles=articles, warnings=warnings)
    raise ListingError("not a listing layout this importer knows "
                       "(topic series, tag archive, card grid, hub page or category feed)")
