"""A learner's forms: marks, notes, takeaways, plans, recall cards and reviews."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; the stubs stop at 3.2
from wtforms.validators import InputRequired, Length, Optional

from tracker.models import CardKind, ProgressState
from tracker.services.learning.cards_io import IMPORT_BYTES_MAX
from tracker.services.learning.notes import NOTE_MAX, TAKEAWAY_MAX
from tracker.services.learning.plans import CUE_MAX, DAY_NAMES
from tracker.services.learning.recall import TEXT_MAX as RECALL_TEXT_MAX
from tracker.web.forms.base import TEXT_GUARD, Form, WholeNumberField


class MarkForm(Form):
    state = SelectField("State", choices=[SelectChoice(s.value, s.label) for s in ProgressState],
                        validators=[InputRequired(message="choose done, reading, skipped or not started")])
    path = StringField("Path", validators=[Optional(), Length(max=80)])
    # The curriculum's stamp the page was rendered with (tracker.web.fragments.content_stamp).
    stamp = StringField("Stamp", validators=[Optional(), Length(max=64)])
    # Where the controls sit: a list row (the default) or the article page's state block.
    place = SelectField("Place", choices=[SelectChoice("row"), SelectChoice("article")], default="row",
                        validators=[Optional()])


class FoldForm(Form):
    """Fold a section of a path page, or open it again (the pressed button's value)."""
    fold = SelectField("Fold", choices=[SelectChoice("fold"), SelectChoice("open")],
                       validators=[InputRequired(message="choose fold or open")])


class RestartForm(Form):
    include_shared = BooleanField("Also reset the articles my other paths share")


class NoteForm(Form):
    # Longer text is let through so that the service can say how long it was and keep the draft on screen.
    body = TextAreaField("Note", validators=[Length(max=4 * NOTE_MAX)])
    shared = BooleanField("Share with my mentors")


class TakeawayForm(Form):
    # Longer text is let through so that the service can say how long it was and keep the draft on screen.
    text = TextAreaField("What would you tell a colleague about it?", validators=[Length(max=4 * TAKEAWAY_MAX)])
    shared = BooleanField("Share with my mentors")
    prompt = BooleanField("Offered right after marking the article done")


class PlanForm(Form):
    days = SelectMultipleField("Days", coerce=int,
                               choices=[SelectChoice(day, name) for day, name in enumerate(DAY_NAMES)],
                               validators=[InputRequired(message="choose at least one day of the week")])
    cue = StringField("Roughly when", validators=[Length(max=4 * CUE_MAX)],
                      description="Like “after standup” or “before lunch” (optional).")
    minutes = WholeNumberField("Minutes each day", validators=[InputRequired(message="how many minutes each day?")])
    clear = BooleanField("Remove the plan")


class SuggestCardForm(Form):
    article = StringField("Article", validators=[InputRequired(message="choose an article of the path"),
                                                 Length(max=200)])
    prompt = TextAreaField("Prompt", validators=[Length(max=4 * RECALL_TEXT_MAX)])
    answer = TextAreaField("Answer", validators=[Length(max=4 * RECALL_TEXT_MAX)])


class RecallCardForm(Form):
    kind = SelectField("Kind", default=CardKind.qa.value, validators=[Optional()],
                       choices=[SelectChoice(CardKind.qa.value, "Question and answer"),
                                SelectChoice(CardKind.cloze.value, "Cloze: blanks in a sentence")])
    # Longer text is let through so that the service can say how long it was.
    prompt = TextAreaField("Prompt", validators=[Length(max=4 * RECALL_TEXT_MAX)],
                           description="A question to answer from memory; for a cloze card, a sentence with the "
                                       "words to recall written {{c1::like this}} (c2, c3… make one card each).")
    answer = TextAreaField("Answer", validators=[Length(max=4 * RECALL_TEXT_MAX)],
                           description="For a cloze card, optional: shown under the filled-in sentence.")


class CardImportForm(Form):
    file = FileField("Anki text export", description="In Anki: File, Export, “Notes in Plain Text” (.txt). "
                                                     "Or any tab-separated file: front, back, tags.")
    # Up to the service's own limit; the service says what is wrong with a longer text.
    text = TextAreaField("Or paste it", validators=[Length(max=2 * IMPORT_BYTES_MAX)])
    article = StringField("Article the deck is about", validators=[Optional(), Length(max=200)],
                          description="Its slug, as in the article's address. A card tagged with an article's slug "
                                      "goes to that article instead.")
    action = SelectField("Action", choices=[SelectChoice("preview"), SelectChoice("import")], default="preview",
                         validators=[Optional()])


class RatingForm(Form):
    rating = StringField("Rating", validators=[InputRequired(message="rate the card: again, hard, good or easy"),
                                               Length(max=20)])
    shown = StringField("Card shown", validators=[Optional(), Length(max=300)],
                        description="signed: which card was shown, when, in which state (review time, double clicks)")


class UndoForm(Form):
    review = WholeNumberField("Review", validators=[Optional()],
                              description="the review the page offered to undo: refused if it is no longer the last")


class InvitationAnswerForm(Form):
    decision = SelectField("Answer", choices=[SelectChoice("accept", "Accept"), SelectChoice("decline", "Decline")],
                           validators=[InputRequired(message="answer the invitation with accept or decline")])


class ResourceForm(Form):
    """A learner's own resource. Limits and the link's kind are the service's (personal.resources.checked_fields),
    so it says what is wrong; the form only stops absurd input."""

    title = StringField("Title", validators=[Length(max=TEXT_GUARD)])
    url = StringField("Link", validators=[Length(max=TEXT_GUARD)])
    minutes = StringField("Minutes", validators=[Length(max=40)])
    shared = BooleanField("Share with my mentors")
    beside = StringField("Beside the article", validators=[Optional(), Length(max=120)])
