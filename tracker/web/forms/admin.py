"""The administration's forms: the path editor (FieldList/FormField give its `sections-0-items-1-…` names),
articles, listings, links, users and mentor links."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms import Form as PlainForm
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; the stubs stop at 3.2
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from tracker.models import PathStatus, Role, SectionKind
from tracker.services.curriculum.format import ORDER_MAX
from tracker.services.people.passwords import PASSWORD_MAX
from tracker.web.forms.base import TEXT_GUARD, Form, WholeNumberField


class ItemForm(PlainForm):
    slug = HiddenField("Article", validators=[Length(max=TEXT_GUARD)])
    optional = BooleanField("optional")


class SectionForm(PlainForm):
    title = StringField("Section title", validators=[Length(max=TEXT_GUARD)])
    why = StringField("Why this section", validators=[Length(max=TEXT_GUARD)])
    kind = SelectField("Completes when", choices=[SelectChoice(k.value) for k in SectionKind],
                       default=SectionKind.core.value)
    pick = WholeNumberField("Any how many", validators=[Optional(), NumberRange(
        min=1, max=500, message="an elective section asks for at least 1 of its articles (and at most 500)")])
    sequential = BooleanField("In order")
    items = FieldList(FormField(ItemForm), max_entries=500)


class PrerequisiteRowForm(PlainForm):
    """One other path in the editor's "Before this path": not before it, recommended first or required first."""

    slug = HiddenField("Path", validators=[Length(max=TEXT_GUARD)])
    kind = SelectField("Before this path", choices=[SelectChoice("", "Not before this path"),
                                                    SelectChoice("recommended", "Recommended first"),
                                                    SelectChoice("required", "Required first")], default="")


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
    status = SelectField("Status", choices=[SelectChoice(s.value, s.label) for s in PathStatus],
                         default=PathStatus.draft.value)
    sections = FieldList(FormField(SectionForm), max_entries=100)
    prerequisites = FieldList(FormField(PrerequisiteRowForm), max_entries=500)
    mastery_share = WholeNumberField("Mastery: share of required articles recalled",
                                     validators=[Optional(), NumberRange(min=-1000, max=1000)])
    mastery_retrievability = WholeNumberField("Mastery: recall at least",
                                              validators=[Optional(), NumberRange(min=-1000, max=1000)])

    def path_rules(self) -> dict:
        """The path-level rules of the draft: prerequisites in the order shown, and mastery (none when no share
        is given; the format's limits give the messages)."""
        share, retrievability = self.mastery_share.data, self.mastery_retrievability.data
        return {"prerequisites": [{"slug": row["slug"] or "", "required": row["kind"] == "required"}
                                  for row in self.prerequisites.data if row["kind"]],
                "mastery": {"share": share, "retrievability": retrievability if retrievability is not None else 90}
                if share is not None else None}

    def first_error(self) -> str:
        """A section's field names its section: "Section 2: an elective section asks for at least 1 …"."""
        for number, section in enumerate(self.sections, start=1):
            for field in section.form:
                if field.errors and isinstance(field.errors, list) and isinstance(field.errors[0], str):
                    return f"Section {number}: {field.errors[0]}"
        return super().first_error()

    def draft(self) -> dict:
        """The unsaved draft as the editor's service functions take it."""
        return self.path_rules() | {
            "slug": (self.slug.data or "").strip(), "title": (self.title.data or "").strip(),
            "summary": (self.summary.data or "").strip(), "outcome": (self.outcome.data or "").strip(),
            "weeks": {"min": self.weeks_min.data if self.weeks_min.data is not None else 0,
                      "max": self.weeks_max.data},
            "order": self.order.data if self.order.data is not None else 100,
            "status": self.status.data,
            "sections": [{"title": (section["title"] or "").strip(), "why": (section["why"] or "").strip(),
                          **section_rule(section["kind"], section["pick"], section["sequential"]),
                          "items": [{"slug": item["slug"] or "", "optional": bool(item["optional"])}
                                    for item in section["items"]]}
                         for section in self.sections.data],
        }


def section_rule(kind: str | None, pick: int | None, sequential: bool | None) -> dict:
    """A section's rule as the draft holds it: a core section keeps no number (a number typed before switching
    back to core is dropped, not refused)."""
    kind = kind if kind in set(SectionKind) else SectionKind.core.value
    return {"kind": kind, "pick": pick if kind == SectionKind.elective.value else None,
            "sequential": bool(sequential)}


class RestoreForm(Form):
    base_version = WholeNumberField("Version", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])


class PathStatusForm(Form):
    """A path's status, changed on its own (never by a save or a restore), from the version it was read at."""

    status = SelectField("New status", choices=[SelectChoice(s.value, s.label) for s in PathStatus],
                         validators=[InputRequired(message="choose a status")])
    base_version = WholeNumberField("Version", validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)])


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
        """The fields as `article_editing.ArticleForm` validates them (it names the field in its messages)."""
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
    action = SelectField("Action", choices=[SelectChoice(a) for a in ("role", "deactivate", "reactivate", "password",
                                                                     "revoke_tokens")],
                         validators=[InputRequired(message="unknown user action")])
    role = SelectField("Role", choices=[SelectChoice(r.value) for r in Role], validate_choice=False)
    password = PasswordField("Temporary password", validators=[Length(max=PASSWORD_MAX)])

    def validate_role(self, field):
        if self.action.data == "role" and field.data not in {r.value for r in Role}:
            raise ValidationError("choose learner, mentor or admin")


class MentorshipForm(Form):
    mentor = StringField("Mentor", validators=[DataRequired(), Length(max=64)])
    learner = StringField("Learner", validators=[DataRequired(), Length(max=64)])
