"""Mastery: a path that asks recall as well as reading issues its credential only with the recall it asks,
counted from the learner's own reviewed cards, and says "read and recalled"."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import fsrs
import pytest
from sqlmodel import Session, select

from tests import factories, ob_schema
from tests.conftest import SECRET
from tracker.models import Article, Credential, ProgressState, RecallCard, SectionKind, User
from tracker.services.curriculum import queries as path_queries
from tracker.services.curriculum import store as path_store
from tracker.services.curriculum.format import MasteryDefinition
from tracker.services.learning import mastery, recall, reviewing
from tracker.services.progress import follows, marking
from tracker.services.progress import marks as progress
from tracker.services.records import credentials
from tracker.services.records import signing_keys as credential_keys

NOW = datetime(2026, 3, 7, 18, 30, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=400)  # a card reviewed once then, and never since, is long forgotten
SLUG = "api-designer"
pytestmark = pytest.mark.filterwarnings("ignore:EdDSA is deprecated")


@pytest.fixture
def issuer(session, tmp_path) -> credential_keys.Issuer:
    store = credential_keys.KeyStore(engine=session.get_bind(), sealing_key=credential_keys.sealing_key(SECRET),
                                     data_dir=tmp_path)
    return credential_keys.Issuer(url="https://tracker.example.com", store=store)


def ask_recall(session, *, share: int, retrievability: int = 90, slug: str = SLUG, elective: int | None = None):
    """The path as an editor saves it asking recall (and, with `elective`, its first section "any N")."""
    path = factories.path(session, slug)
    definition = path_queries.path_definition(session=session, path=path)
    definition.mastery = MasteryDefinition(share=share, retrievability=retrievability)
    if elective is not None:
        definition.sections[0].kind, definition.sections[0].pick = SectionKind.elective, elective
    path_store.save_path(session=session, definition=definition, base_version=path.version,
                         author=factories.user(session, "ada"))
    session.refresh(path)
    return path


def required(session, user, slug=SLUG) -> list[Article]:
    view = progress.path_progress(session=session, user=user, slug=slug)
    assert view is not None
    return [e.card.article for e in view.entries() if not e.optional]


def follower(session, username="lena", slug=SLUG) -> User:
    user = factories.user(session, username)
    follows.follow_path(session=session, user=user, path=factories.path(session, slug))
    return user


def read_all(session, user, slug=SLUG) -> None:
    for article in required(session, user, slug):
        progress.write_mark(session=session, user=user, article=article, state=ProgressState.done)


def seen_card(session, user, article, *, at=NOW - 2 * mastery.SPACING, prompt="Q?") -> RecallCard:
    """A card written and first reviewed at `at` (two days before the clock): a successful review from a day
    later on counts."""
    card = recall.create_card(session=session, user=user, article=article, prompt=prompt, answer="A.")
    return recall.review(session=session, user=user, card=card, rating=recall.parse_rating("good"), now=at)


def reviewed_card(session, user, article, *, at=NOW, rating="good") -> RecallCard:
    """A card first seen two days before `at` and reviewed again at `at`."""
    card = seen_card(session, user, article, at=at - 2 * mastery.SPACING)
    return recall.review(session=session, user=user, card=card, rating=recall.parse_rating(rating), now=at)


def issued(session, user) -> list[Credential]:
    return list(session.exec(select(Credential).where(Credential.user_id == user.id)))


# ---------------------------------------------------------------- retrievability and what counts

def test_a_card_just_reviewed_is_recalled_and_one_long_forgotten_is_not(session):
    lena = factories.user(session, "lena")
    article = factories.article(session, "http-protocol")
    fresh, old = reviewed_card(session, lena, article), reviewed_card(session, lena, article, at=LONG_AGO)
    assert mastery.card_retrievability(learner=lena, card=fresh, now=NOW) == pytest.approx(1.0)
    forgotten = mastery.card_retrievability(learner=lena, card=old, now=NOW)
    assert forgotten == pytest.approx(recall.scheduler_for(lena).get_card_retrievability(
        recall.as_fsrs_card(old), NOW)) and forgotten < 0.9


def test_a_never_reviewed_card_has_no_recall(session):
    lena = factories.user(session, "lena")
    card = recall.create_card(session=session, user=lena, article=factories.article(session, "http-protocol"),
                              prompt="Q?", answer="A.")
    assert mastery.card_retrievability(learner=lena, card=card, now=NOW) == 0.0


def test_only_the_learners_own_reviewed_unsuspended_cards_count_and_a_buried_one_does(session):
    lena, leo = factories.user(session, "lena"), factories.user(session, "leo")
    a, b, c, d, e = required(session, lena)[:5]
    reviewed_card(session, leo, a)                                      # another learner's
    recall.suspend_card(session=session, card=reviewed_card(session, lena, b))  # suspended
    recall.create_card(session=session, user=lena, article=c, prompt="Q?", answer="A.")  # never reviewed
    recall.bury_card(session=session, user=lena, card=reviewed_card(session, lena, d), now=NOW)  # buried
    reviewed_card(session, lena, e, at=LONG_AGO)                        # forgotten
    every = list(session.exec(select(RecallCard)))
    assert mastery.recalled_articles(learner=lena, cards=every, threshold=90, now=NOW) == {d.id}
    counted = mastery.cards_on(session=session, learner=lena, article_ids=[x.id for x in (a, b, c, d, e)])
    assert {card.article_id for card in counted} == {d.id, e.id}


def test_the_share_is_counted_over_the_required_articles_as_progress_counts_them(session):
    path = ask_recall(session, share=50)
    lena = follower(session)
    view = progress.path_progress(session=session, user=lena, slug=SLUG)
    optional = next(e.card.article for e in view.entries() if e.optional)
    for article in [*required(session, lena)[:3], optional]:
        reviewed_card(session, lena, article)
    found = mastery.path_recall(session=session, learner=lena, view=view, now=NOW)
    assert (found.required, found.recalled, found.needed, found.met) == (20, 3, 10, False)  # the optional one: none
    assert found.describe() == "3 of 20 articles recalled (need 50%)" and path.mastery_percent == 50
    assert len(found.missing) == 17 and found.missing[0].reason == "no card recalled a day after its first review yet"


def test_an_elective_section_asks_recall_of_as_many_articles_as_it_asks_read(session):
    ask_recall(session, share=100, elective=2)  # the first section: any 2 of its 7 required
    lena = follower(session)
    first_section = required(session, lena)[:7]
    for article in first_section[:3]:
        reviewed_card(session, lena, article)
    view = progress.path_progress(session=session, user=lena, slug=SLUG)
    found = mastery.path_recall(session=session, learner=lena, view=view, now=NOW)
    assert (found.required, found.recalled) == (view.overall.total, 2) == (15, 2)  # a third adds nothing
    assert not any(m.entry.card.article in first_section for m in found.missing)  # the section asks no more


# ---------------------------------------------------------------- the credential

def test_reading_complete_without_cards_earns_no_credential_on_a_path_asking_recall(session, issuer):
    ask_recall(session, share=10)
    lena = follower(session)
    articles = required(session, lena)
    for article in articles:
        marking.mark_article(session=session, user=lena, article=article, state=ProgressState.done, at=NOW,
                             issuer=lambda: issuer)
    assert issued(session, lena) == []


def test_cards_reviewed_long_ago_below_the_threshold_earn_no_credential(session, issuer):
    ask_recall(session, share=10, retrievability=90)
    lena = follower(session)
    read_all(session, lena)
    for article in required(session, lena)[:4]:
        reviewed_card(session, lena, article, at=LONG_AGO)
    assert credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer) == []


def test_the_review_that_completes_the_recall_issues_a_read_and_recalled_credential(session, issuer):
    ask_recall(session, share=10)  # 2 of 20
    lena = follower(session)
    read_all(session, lena)
    first, second = required(session, lena)[:2]
    reviewed_card(session, lena, first)
    assert credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer) == []  # 1 of the 2
    card = seen_card(session, lena, second)
    done = reviewing.review_card(session=session, user=lena, card=card, rating=fsrs.Rating.Good, now=NOW,
                                 issuer=lambda: issuer)
    [credential] = done.credentials
    assert (credential.recalled, credential.articles_recalled) == (True, 2)
    body = credentials.document(credential)
    assert body["name"].startswith("Read and recalled: ")
    assert "recall at least 10% of them" in body["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert body["evidence"][1]["narrative"].startswith("Read and recalled: 2 of 20 required articles recalled")
    assert ob_schema.schema_errors(body) == []
    again = reviewed_card(session, lena, required(session, lena)[2])
    assert reviewing.review_card(session=session, user=lena, card=again, rating=fsrs.Rating.Good,
                                 now=NOW + timedelta(days=1), issuer=lambda: issuer).credentials == []
    assert len(issued(session, lena)) == 1


def test_a_path_asking_reading_only_still_says_completed(session, issuer):
    lena = follower(session)
    read_all(session, lena)
    [credential] = credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer)
    assert not credential.recalled and credentials.document(credential)["name"].startswith("Completed: ")
    assert len(credentials.document(credential)["evidence"]) == 1


def test_reviews_do_not_issue_a_credential_until_reading_is_complete(session, issuer):
    ask_recall(session, share=10)
    lena = follower(session)
    articles = required(session, lena)
    for article in articles[:-1]:
        progress.write_mark(session=session, user=lena, article=article, state=ProgressState.done)
    for article in articles[:2]:
        card = seen_card(session, lena, article)
        assert reviewing.review_card(session=session, user=lena, card=card, rating=fsrs.Rating.Good, now=NOW,
                                     issuer=lambda: issuer).credentials == []
    marked = marking.mark_article(session=session, user=lena, article=articles[-1], state=ProgressState.done,
                                  at=NOW, issuer=lambda: issuer)
    assert [c.recalled for c in marked.credentials] == [True]  # the mark that completes reading, recall held


@pytest.mark.parametrize("attack", ["another learner's card", "a card off the path", "a suspended card",
                                    "a never-reviewed card", "a card written and rated Easy three times at once"])
def test_cards_that_must_not_count_never_complete_the_recall(session, issuer, attack):
    ask_recall(session, share=10)
    lena, leo = follower(session), factories.user(session, "leo")
    read_all(session, lena)
    first, second = required(session, lena)[:2]
    reviewed_card(session, lena, first)
    on_path = {a.id for a in required(session, lena)}
    off_path = session.exec(select(Article).where(Article.id.not_in(on_path))).first()
    if attack == "another learner's card":
        reviewed_card(session, leo, second)
    elif attack == "a card off the path":
        reviewed_card(session, lena, off_path)
    elif attack == "a suspended card":
        recall.suspend_card(session=session, card=reviewed_card(session, lena, second))
    elif attack == "a never-reviewed card":
        recall.create_card(session=session, user=lena, article=second, prompt="Q?", answer="A.")
    else:  # fresh, FSRS says it is recalled; not spaced, it is not
        card = recall.create_card(session=session, user=lena, article=second, prompt="Q?", answer="A.")
        for minutes in (3, 2, 1):
            card = recall.review(session=session, user=lena, card=card, rating=fsrs.Rating.Easy,
                                 now=NOW - timedelta(minutes=minutes))
        assert mastery.card_retrievability(learner=lena, card=card, now=NOW) > 0.9
    assert credentials.issue_due(session=session, user=lena, now=NOW, issuer=issuer) == []


def test_two_reviews_completing_the_recall_at_once_issue_one_credential(app, session, issuer, monkeypatch):
    ask_recall(session, share=10)
    lena = follower(session)
    read_all(session, lena)
    reviewed_card(session, lena, required(session, lena)[0])
    cards = [seen_card(session, lena, article) for article in required(session, lena)[1:3]]
    both_decided = threading.Barrier(2)
    decide = credentials._finished

    def decide_together(*args):
        finished = decide(*args)
        both_decided.wait(timeout=10)  # each review has seen the recall complete and no credential yet
        return finished

    monkeypatch.setattr(credentials, "_finished", decide_together)
    made = []

    def rate(card_id):
        with Session(app.extensions["tracker.engine"], expire_on_commit=False) as own:
            made.extend(reviewing.review_card(session=own, user=own.get(User, lena.id),
                                              card=own.get(RecallCard, card_id), rating=fsrs.Rating.Good, now=NOW,
                                              issuer=lambda: issuer).credentials)

    threads = [threading.Thread(target=rate, args=(card.id,)) for card in cards]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1 and len(issued(session, lena)) == 1
