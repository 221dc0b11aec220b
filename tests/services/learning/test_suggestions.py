"""Suggested recall cards: the curriculum's for everyone, a mentor's for their mentees on the path they
assigned; adopted once as the learner's own card."""

import re
from datetime import date

import pytest
from sqlmodel import select

from tests import factories
from tracker.models import RecallCard, SuggestionOrigin
from tracker.services.errors import Invalid, NotAllowed, NotFound
from tracker.services.learning import recall
from tracker.services.learning import suggestions as card_suggestions
from tracker.services.learning.suggestions import CardsFileError, read_cards_file
from tracker.services.mentoring import assignments

KNOWN = {"http-protocol", "routing"}


def assign(session, mentor="mona", learner="lena", path="api-designer"):
    factories.mentor_of(session, mentor, learner)
    assignments.assign_path(session=session, mentor=factories.user(session, mentor), usernames=[learner],
                            path=factories.path(session, path), due_on=None, note=None, today=date(2026, 3, 2))


def offered(session, username, slug="routing"):
    return [(s.prompt, mentor.username if mentor else None) for s, mentor in card_suggestions.suggestions_for(
        session=session, learner=factories.user(session, username), article=factories.article(session, slug))]


def test_the_curriculum_cards_are_offered_to_every_learner(session):
    lena, leo = offered(session, "lena", "http-protocol"), offered(session, "leo", "http-protocol")
    assert lena == leo and len(lena) >= 2 and all(mentor is None for _prompt, mentor in lena)
    assert "What is the difference between 401 and 403?" in [prompt for prompt, _mentor in lena]


def test_a_mentors_card_reaches_only_their_mentees_on_that_path(session):
    assign(session)
    card_suggestions.suggest(session=session, mentor=factories.user(session, "mona"),
                             path=factories.path(session, "api-designer"), article_slug="routing",
                             prompt=" What does a router match on? ", answer="Method and path.")
    assert ("What does a router match on?", "mona") in offered(session, "lena")
    assert ("What does a router match on?", "mona") not in offered(session, "leo")


def test_a_mentor_suggests_only_for_a_path_they_assigned_and_an_article_in_it(session):
    mona, path = factories.user(session, "mona"), factories.path(session, "api-designer")
    with pytest.raises(NotAllowed, match="you have not assigned “API Designer”"):
        card_suggestions.suggest(session=session, mentor=mona, path=path, article_slug="routing", prompt="Q",
                                 answer="A")
    assign(session)
    with pytest.raises(Invalid, match="Article: 'kafka-basics' is not in “API Designer”"):
        card_suggestions.suggest(session=session, mentor=mona, path=path, article_slug="kafka-basics", prompt="Q",
                                 answer="A")
    with pytest.raises(Invalid, match="Answer: write something"):
        card_suggestions.suggest(session=session, mentor=mona, path=path, article_slug="routing", prompt="Q",
                                 answer="  ")


def test_adopting_makes_one_card_of_ones_own_due_now(session):
    lena = factories.user(session, "lena")
    suggestion, _mentor = card_suggestions.suggestions_for(session=session, learner=lena,
                                                           article=factories.article(session, "http-protocol"))[0]
    card = card_suggestions.adopt(session=session, learner=lena, suggestion_id=suggestion.id)
    assert (card.user_id, card.prompt, card.answer) == (lena.id, suggestion.prompt, suggestion.answer)
    assert card_suggestions.adopt(session=session, learner=lena, suggestion_id=suggestion.id).id == card.id
    assert len(session.exec(select(RecallCard).where(RecallCard.user_id == lena.id)).all()) == 1
    assert suggestion.prompt not in [prompt for prompt, _ in offered(session, "lena", "http-protocol")]
    assert [c.id for c in recall.due_cards(session=session, user=lena, now=card.due)] == [card.id]


def test_a_suggestion_not_offered_is_not_found_and_withdrawing_keeps_adopted_cards(session):
    assign(session)
    mona = factories.user(session, "mona")
    suggestion = card_suggestions.suggest(session=session, mentor=mona, path=factories.path(session, "api-designer"),
                                          article_slug="routing", prompt="Q?", answer="A.")
    with pytest.raises(NotFound):
        card_suggestions.adopt(session=session, learner=factories.user(session, "leo"), suggestion_id=suggestion.id)
    with pytest.raises(NotFound):
        card_suggestions.adopt(session=session, learner=factories.user(session, "leo"), suggestion_id=10**9)
    card = card_suggestions.adopt(session=session, learner=factories.user(session, "lena"),
                                  suggestion_id=suggestion.id)
    with pytest.raises(NotFound):
        card_suggestions.withdraw_suggestion(session=session, mentor=factories.user(session, "ada"),
                                             suggestion_id=suggestion.id)
    assert card_suggestions.withdraw_suggestion(session=session, mentor=mona, suggestion_id=suggestion.id) == \
        "api-designer"
    session.expire_all()
    assert session.get(RecallCard, card.id) is not None


@pytest.mark.parametrize(("text", "message"), [
    ("cards: nope", "expected a list under 'cards'"),
    ("cards: [{article: http-protocol, prompt: Q}]", "card 1: expected exactly article, prompt and answer"),
    ("cards: [{article: nowhere, prompt: Q, answer: A}]", "card 1: no article 'nowhere' in the catalog"),
    ("cards: [{article: routing, prompt: Q, answer: ''}]", "card 1: answer: write something"),
    ("cards:\n- {article: routing, prompt: Q, answer: A}\n- {article: routing, prompt: Q, answer: B}",
     "card 2: the same prompt is already given for 'routing'"),
    ("cards: [", "not valid YAML"),
])
def test_a_bad_cards_file_is_refused_naming_the_card(tmp_path, text, message):
    path = tmp_path / "cards.yaml"
    path.write_text(text)
    with pytest.raises(CardsFileError, match=message):
        read_cards_file(path, known_slugs=KNOWN)


def test_a_cards_file_that_is_not_text_is_refused(tmp_path):
    path = tmp_path / "cards.yaml"
    path.write_bytes(b"cards:\n- article: routing\n  prompt: \xff\xfe\n  answer: A\n")
    with pytest.raises(CardsFileError, match=re.escape("cards.yaml: not UTF-8 text")):
        read_cards_file(path, known_slugs=KNOWN)


def test_the_curriculum_loader_updates_and_drops_its_cards(session):
    entries = [card_suggestions.CardEntry(article="routing", prompt="Q1", answer="A1")]
    card_suggestions.load_curriculum_cards(session=session, entries=entries)
    session.commit()
    assert ("Q1", None) in offered(session, "lena")
    card_suggestions.load_curriculum_cards(session=session, entries=[card_suggestions.CardEntry(
        article="routing", prompt="Q1", answer="A2")])
    session.commit()
    [(suggestion, _)] = card_suggestions.suggestions_for(session=session, learner=factories.user(session, "lena"),
                                                         article=factories.article(session, "routing"))
    assert (suggestion.answer, suggestion.origin) == ("A2", SuggestionOrigin.curriculum)
    # the other articles' curriculum cards are gone too: the file is the whole list
    card_suggestions.load_curriculum_cards(session=session, entries=[])
    session.commit()
    assert offered(session, "lena", "http-protocol") == []
