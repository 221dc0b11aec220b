"""The progress numbers: one function, skipped apart, optional items outside 100%."""

from dataclasses import dataclass

from tracker.models import ProgressState
from tracker.services.catalog import reading_time
from tracker.services.progress import tally


@dataclass
class A:
    id: int
    reading_minutes: int | None = 10
    slug: str = ""


@dataclass
class Card:
    article: A

    @property
    def minutes(self) -> int:
        return reading_time(self.article).minutes


@dataclass
class Item:
    optional: bool = False


@dataclass
class Entry:
    item: Item
    card: Card


def entries(n, optional=()):
    return [Entry(item=Item(optional=i in optional), card=Card(A(id=i))) for i in range(n)]


def test_skipped_articles_do_not_count_as_done():
    t = tally(entries(4), {0: ProgressState.done, 1: ProgressState.skipped})
    assert (t.done, t.skipped, t.total, t.percent, t.skipped_percent) == (1, 1, 4, 25, 25)
    assert not t.complete


def test_optional_items_do_not_count_against_a_hundred_percent():
    t = tally(entries(4, optional={3}), {0: ProgressState.done, 1: ProgressState.done, 2: ProgressState.done})
    assert (t.total, t.percent, t.complete) == (3, 100, True)
    assert t.next_entry.card.article.id == 3  # an unread optional item is still suggested


def test_percent_rounds_down_so_it_never_claims_finished_early():
    t = tally(entries(3), {0: ProgressState.done, 1: ProgressState.done})
    assert t.percent == 66
    many = tally(entries(200), {i: ProgressState.done for i in range(199)})
    assert many.percent == 99


def test_next_article_is_the_first_unsettled_one_and_time_left_counts_the_rest():
    items = entries(4)
    items[2].card.article.reading_minutes = None  # unknown reading time counts as the default estimate
    t = tally(items, {0: ProgressState.done, 1: ProgressState.skipped, 3: ProgressState.in_progress})
    assert t.next_entry.card.article.id == 2
    assert t.minutes_left == 20
    assert t.in_progress == 1


def test_an_empty_path_is_zero_percent_not_an_error():
    t = tally([], {})
    assert (t.percent, t.complete, t.next_entry) == (0, False, None)
