"""The progress numbers: one function, skipped apart, optional items outside 100%."""

from dataclasses import dataclass

from tracker.models import ProgressState
from tracker.services.catalog.articles import reading_time
from tracker.services.curriculum.queries import PathEntry
from tracker.services.progress.marks import tally


@dataclass
class A:
    id: int
    reading_minutes: int | None = 10
    slug: str = ""
    estimated_minutes: int | None = None


@dataclass
class Card:
    article: A

    @property
    def reading_time(self):
        return reading_time(self.article)

    @property
    def minutes(self) -> int:
        return self.reading_time.minutes


@dataclass
class Item:
    optional: bool = False


def entries(n, optional=()):
    return [PathEntry(item=Item(optional=i in optional), card=Card(A(id=i))) for i in range(n)]


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


def test_concurrent_marks_log_events_in_commit_order_and_answer_their_own_write(app, session):
    """Ten browsers of one learner mark the same article at once: the log's times follow its order,
    its last event is the stored state, and each answer reports the state that request wrote."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlmodel import Session, select

    from tests import factories
    from tracker.models import Progress, ProgressEvent
    from tracker.services.progress import marks as progress

    lena_id, article_id = factories.user(session, "lena").id, factories.article(session, "http-protocol").id
    states = [ProgressState.done, ProgressState.skipped, ProgressState.in_progress, ProgressState.not_started] * 5

    def mark(state: ProgressState):
        with Session(app.extensions["tracker.engine"]) as own:
            from tracker.models import Article, User

            record = progress.write_mark(session=own, user=own.get_one(User, lena_id),
                                           article=own.get_one(Article, article_id), state=state)
            return state, record.state

    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(mark, states))
    assert all(asked == answered for asked, answered in answers)
    events = session.exec(select(ProgressEvent).where(ProgressEvent.user_id == lena_id)
                          .order_by(ProgressEvent.id)).all()
    times = [event.created_at for event in events]
    assert times == sorted(times)
    stored = session.exec(select(Progress).where(Progress.user_id == lena_id)).one()
    assert events[-1].state == stored.state


def test_time_left_says_how_much_of_it_is_estimated():
    rows = entries(3)
    rows[1] = PathEntry(item=Item(), card=Card(A(id=1, reading_minutes=None, estimated_minutes=7)))
    t = tally(rows, {})
    assert (t.minutes_left, t.estimated_minutes_left) == (27, 7)


def _section(rule, first, n, optional=()):
    return [PathEntry(item=Item(optional=i in optional), card=Card(A(id=i)), rule=rule)
            for i in range(first, first + n)]


def test_an_elective_section_counts_any_n_of_its_m_and_no_more():
    from tracker.models import SectionKind
    from tracker.services.curriculum.queries import SectionRule

    core = _section(SectionRule(section_id=1), 0, 2)
    elective = _section(SectionRule(section_id=2, kind=SectionKind.elective, pick=2), 10, 5)
    path = core + elective
    assert tally(path, {}).total == 4  # two core, any two of five
    t = tally(path, {0: ProgressState.done, 1: ProgressState.done, 11: ProgressState.done, 13: ProgressState.done,
                     14: ProgressState.done})
    assert (t.done, t.total, t.percent, t.complete, t.read_all) == (4, 4, 100, True, True)
    # one elective read, one being read: what is left is the one being read, and it is next
    t = tally(path, {0: ProgressState.done, 1: ProgressState.done, 10: ProgressState.done,
                     13: ProgressState.in_progress})
    assert (t.done, t.total, t.in_progress, t.minutes_left) == (3, 4, 1, 10)
    assert t.next_entry.card.article.id == 13
    # a skip settles an elective slot but is not reading
    t = tally(path, {0: ProgressState.done, 1: ProgressState.done, 10: ProgressState.skipped,
                     11: ProgressState.done})
    assert (t.complete, t.read_all, t.skipped) == (True, False, 1)


def test_a_sequential_section_opens_each_article_once_the_one_before_is_settled():
    from tracker.services.curriculum.queries import SectionRule
    from tracker.services.progress.marks import locked_articles

    ordered = _section(SectionRule(section_id=1, sequential=True), 0, 4, optional={1})
    free = _section(SectionRule(section_id=2), 10, 2)
    assert set(locked_articles(ordered + free, {})) == {1, 2, 3}
    assert locked_articles(ordered + free, {})[3].article_id == 0
    locked = locked_articles(ordered + free, {0: ProgressState.skipped})
    assert set(locked) == {3} and locked[3].article_id == 2  # an optional article does not hold the next one
    assert locked_articles(ordered + free, {0: ProgressState.done, 2: ProgressState.done}) == {}
