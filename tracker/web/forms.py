"""Every HTML form the app accepts, as WTForms classes: one way to parse and check what a page posts.

CSRF is checked once for every unsafe request, before any view runs (`tracker.http.auth`), so these
forms only parse and validate; each template still renders the token in a hidden field.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional, ValidationError

from tracker.models import EmailFrequency, PathStatus, ProgressState, Role, TokenScope
from tracker.services.accounts import PASSWORD_MAX
from tracker.services.errors import Invalid
from tracker.services.notes import TAKEAWAY_MAX
from tracker.services.path_format import ORDER_MAX
from tracker.services.plans import CUE_MAX, DAY_NAMES
from tracker.services.time_zones import zone_names
from tracker.services.tokens import TOKEN_LIFETIMES

TEXT_GUARD = 20_000  # far above any field's own limit: only stops absurd input before the domain says why
RECALL_TEXT_MAX = 500  # the limit recall cards enforce (tracker.services.recall)
NOTE_MAX = 2000  # the limit notes.save_note enforces; the form lets longer text through to say so


class WholeNumberField(IntegerField):
    """An integer field whose error says what was typed: "'1,5' is not a whole number"."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            raw = valuelist[0].strip()
            if len(raw) > 40 or not raw.lstrip("-").isdigit():
                self.data = None
                raise ValueError(f"'{raw[:20]}' is not a whole number")
            self.data = int(raw)
        else:
            self.data = None


class Form(FlaskForm):
    """The app's form base: no per-form CSRF field (checked globally), and `checked()` for views whose only
    answer to bad input is a refusal."""

    class Meta:
        csrf = False

    def first_error(self) -> str:
        for field in self:
            if field.errors:
                errors = field.errors if isinstance(field.errors, list) else [str(field.errors)]
                return f"{field.label.text}: {errors[0]}"
        return "The form is not complete."

    def checked(self):
        """The form, validated; Invalid (400) naming the first field in error otherwise."""
        if not self.validate():
            raise Invalid(self.first_error())
        return self


# ---------------------------------------------------------------- accounts

class SignInForm(Form):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this device")


class SignUpForm(Form):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"},
                           description="3–32 characters: letters, digits, '.', '_' or '-'.")
    display_name = StringField("Display name (optional)", validators=[Length(max=80)],
                               render_kw={"autocomplete": "name"})
    password = PasswordField("Password", validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"},
                             description="At least 8 characters. A few unusual words make a strong password.")
    confirm = PasswordField("Repeat the password",
                            validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
                            render_kw={"autocomplete": "new-password"})
    # Filled in by the browser (app.js) with its IANA zone; UTC when it is missing or unknown.
    time_zone = HiddenField("Time zone", validators=[Length(max=64)], render_kw={"data-detect-time-zone": ""})


class TimeZoneForm(Form):
    time_zone = SelectField("Time zone", validators=[InputRequired()],
                            description="Your days, due dates, the heatmap and your streak follow this zone.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = [SelectChoice(name, name.replace("_", " ")) for name in zone_names()]


class EmailSettingsForm(Form):
    email = StringField("Email address", validators=[Length(max=254)],
                        render_kw={"autocomplete": "email", "type": "email", "spellcheck": "false"})
    frequency = SelectField("Send my notifications by email",
                            choices=[SelectChoice(f.value, f.label) for f in EmailFrequency],
                            default=EmailFrequency.off.value,
                            description="A daily digest goes out in the morning of your time zone.")


class ChangePasswordForm(Form):
    current = PasswordField("Current password", validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField("New password", validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"},
                             description="At least 8 characters.")
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
                            render_kw={"autocomplete": "new-password"})


class TokenForm(Form):
    name = StringField("Token name", validators=[DataRequired(), Length(max=80)],
                       description="What will use it, e.g. “reading-list script”.")
    scope = SelectField("Access", choices=[SelectChoice(TokenScope.read.value, "Read only"),
                                           SelectChoice(TokenScope.write.value, "Read and write")],
                        default=TokenScope.read.value)
    lifetime = SelectField("Expires", choices=[*(SelectChoice(str(days), f"in {days} days") for days in TOKEN_LIFETIMES),
                                               SelectChoice("", "never (until revoked)")],
                           default=str(TOKEN_LIFETIMES[1]), validate_choice=True)


class DeleteAccountForm(Form):
    password = PasswordField("Your password", validators=[DataRequired(message="type your password to confirm"),
                                                          Length(max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "current-password"})
    understood = BooleanField("I understand that my account and everything in it are deleted for good",
                              validators=[DataRequired(message="tick the box to confirm")])


class DeleteUserForm(Form):
    """An administrator deletes an account: they type its username to confirm."""

    confirm = StringField("Type the username to confirm", validators=[DataRequired(), Length(max=64)],
                          render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})


# ---------------------------------------------------------------- learners

class MarkForm(Form):
    state = SelectField("State", choices=[SelectChoice(s.value, s.label) for s in ProgressState],
                        validators=[InputRequired(message="choose done, reading, skipped or not started")])
    path = StringField("Path", validators=[Optional(), Length(max=80)])
    # Where the controls sit: a list row (the default) or the article page's state block.
    place = SelectField("Place", choices=[SelectChoice("row"), SelectChoice("article")], default="row",
                        validators=[Optional()])


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


class PlanForm(Form):
    days = SelectMultipleField("Days", coerce=int, choices=[SelectChoice(day, name) for day, name in enumerate(DAY_NAMES)],
                               validators=[InputRequired(message="choose at least one day of the week")])
    cue = StringField("Roughly when", validators=[Length(max=4 * CUE_MAX)],
                      description="Like “after standup” or “before lunch” (optional).")
    minutes = WholeNumberField("Minutes each day", validators=[InputRequired(message="how many minutes each day?")])


class SuggestCardForm(Form):
    article = StringField("Article", validators=[InputRequired(message="choose an article of the path"),
                                                 Length(max=200)])
    prompt = TextAreaField("Prompt", validators=[Length(max=4 * RECALL_TEXT_MAX)])
    answer = TextAreaField("Answer", validators=[Length(max=4 * RECALL_TEXT_MAX)])


class RecallCardForm(Form):
    # Longer text is let through so that the service can say how long it was.
    prompt = TextAreaField("Prompt", validators=[Length(max=4 * RECALL_TEXT_MAX)],
                           description="A question to answer from memory.")
    answer = TextAreaField("Answer", validators=[Length(max=4 * RECALL_TEXT_MAX)])


class RatingForm(Form):
    rating = StringField("Rating", validators=[InputRequired(message="rate the card: again, hard, good or easy"),
                                               Length(max=20)])


class InvitationAnswerForm(Form):
    decision = SelectField("Answer", choices=[SelectChoice("accept", "Accept"), SelectChoice("decline", "Decline")],
                           validators=[InputRequired(message="answer the invitation with accept or decline")])


# ---------------------------------------------------------------- mentors

class InviteForm(Form):
    username = StringField("Username", validators=[DataRequired(message="name the learner to invite"),
                                                   Length(max=64)])


class AssignForm(Form):
    learners = FieldList(StringField("Mentee", validators=[Length(max=64)]), label="Mentees", max_entries=500)
    path = StringField("Path", validators=[Length(max=80)])
    due_on = DateField("Due date", validators=[Optional()],
                       render_kw={"placeholder": "2026-12-31"})
    note = TextAreaField("Note", validators=[Length(max=1000)])
    confirmed = BooleanField("Confirmed", description="the mentor saw what it changes for mentees who have the path")

    def process(self, formdata=None, *args, **kwargs):
        # The overview posts mentees as repeated `learners` checkboxes, not `learners-0`, `learners-1`...
        formdata = self.meta.wrap_formdata(self, formdata)
        if formdata is not None and "learners" in formdata:
            formdata = formdata.copy()
            for index, value in enumerate(formdata.poplist("learners")):
                formdata.add(f"learners-{index}", value)
        super().process(formdata, *args, **kwargs)


class DueDateForm(Form):
    due_on = DateField("Due date", validators=[Optional()])


class ReplyForm(Form):
    body = TextAreaField("Reply", validators=[Length(max=4 * NOTE_MAX)])


# ---------------------------------------------------------------- administration

class ItemForm(PlainForm):
    slug = HiddenField("Article", validators=[Length(max=TEXT_GUARD)])
    optional = BooleanField("optional")


class SectionForm(PlainForm):
    title = StringField("Section title", validators=[Length(max=TEXT_GUARD)])
    why = StringField("Why this section", validators=[Length(max=TEXT_GUARD)])
    items = FieldList(FormField(ItemForm), max_entries=500)


class PathEditorForm(Form):
    """Every field of the path editor; the names (`sections-0-items-1-slug`) are FieldList's own."""

    base_version = WholeNumberField("Version", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    action = StringField("Action", default="save", validators=[Length(max=200)])
    add_to = WholeNumberField("Add to section", validators=[Optional(), NumberRange(min=0, max=1000)])
    # Text is only guarded here; the path format's own limits give the messages (path_format.validate_path).
    slug = StringField("Slug", validators=[Length(max=TEXT_GUARD)])
    title = StringField("Title", validators=[Length(max=TEXT_GUARD)])
    summary = TextAreaField("Summary", validators=[Length(max=TEXT_GUARD)])
    outcome = StringField("Outcome", validators=[Length(max=TEXT_GUARD)])
    weeks_min = WholeNumberField("Weeks, at least", validators=[Optional(), NumberRange(min=-520, max=520)])
    weeks_max = WholeNumberField("Weeks, at most", validators=[Optional(), NumberRange(min=-520, max=520)])
    order = WholeNumberField("Order", validators=[Optional(), NumberRange(min=-ORDER_MAX, max=ORDER_MAX)])
    status = SelectField("Status", choices=[SelectChoice(s.value, s.label) for s in PathStatus], default=PathStatus.draft.value)
    sections = FieldList(FormField(SectionForm), max_entries=100)

    def draft(self) -> dict:
        """The unsaved draft as the editor's service functions take it."""
        return {
            "slug": (self.slug.data or "").strip(), "title": (self.title.data or "").strip(),
            "summary": (self.summary.data or "").strip(), "outcome": (self.outcome.data or "").strip(),
            "weeks": {"min": self.weeks_min.data if self.weeks_min.data is not None else 0,
                      "max": self.weeks_max.data},
            "order": self.order.data if self.order.data is not None else 100,
            "status": self.status.data,
            "sections": [{"title": (section["title"] or "").strip(), "why": (section["why"] or "").strip(),
                          "items": [{"slug": item["slug"] or "", "optional": bool(item["optional"])}
                                    for item in section["items"]]}
                         for section in self.sections.data],
        }


class RestoreForm(Form):
    base_version = WholeNumberField("Version", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])


class ArticleEditForm(Form):
    title = StringField("Title", validators=[Length(max=300)])
    url = StringField("Link", validators=[Length(max=500)])
    summary = TextAreaField("Summary", validators=[Length(max=5000)])
    topics = StringField("Topics", validators=[Length(max=1000)])
    source = StringField("Source", validators=[Length(max=80)])
    reading_minutes = StringField("Reading time in minutes", validators=[Length(max=12)])
    # The title the admin confirmed as a different article from those already so titled (a checkbox whose
    # value is the title it was shown for: a confirmation does not carry over to a title typed afterwards).
    same_title = StringField("Add it anyway: it is a different article", validators=[Length(max=300)])

    def article_data(self) -> dict:
        """The fields as `catalog_store.ArticleForm` validates them (it names the field in its messages)."""
        return {"title": self.title.data or "", "url": self.url.data or None, "summary": self.summary.data or "",
                "topics": [t.strip() for t in (self.topics.data or "").split(",") if t.strip()],
                "source": self.source.data or "", "reading_minutes": self.reading_minutes.data or None}


class ListingImportForm(Form):
    text = TextAreaField("Listing page", validators=[Length(max=256 * 1024, message="larger than 256 KiB")])
    source_name = StringField("Source name", validators=[Length(max=120)])
    confirm = StringField("Confirm", validators=[Length(max=8)])


class LinksForm(Form):
    text = TextAreaField("Links", validators=[Length(max=256 * 1024, message="larger than 256 KiB")])
    file = FileField("Or a file")


class UserActionForm(Form):
    action = SelectField("Action", choices=[SelectChoice(a) for a in ("role", "deactivate", "reactivate", "password")],
                         validators=[InputRequired(message="unknown user action")])
    role = SelectField("Role", choices=[SelectChoice(r.value) for r in Role], validate_choice=False)
    password = PasswordField("Temporary password", validators=[Length(max=PASSWORD_MAX)])

    def validate_role(self, field):
        if self.action.data == "role" and field.data not in {r.value for r in Role}:
            raise ValidationError("choose learner, mentor or admin")


class MentorshipForm(Form):
    mentor = StringField("Mentor", validators=[DataRequired(), Length(max=64)])
    learner = StringField("Learner", validators=[DataRequired(), Length(max=64)])

