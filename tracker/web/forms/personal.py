"""A learner's forms for their personal paths: copying a path, editing the copy, deciding the curated changes."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; the stubs stop at 3.2
from wtforms.validators import InputRequired, Length, Optional

from tracker.web.forms.base import TEXT_GUARD, Form, WholeNumberField


class ForkForm(Form):
    learner = StringField("For", validators=[Optional(), Length(max=80)],
                          description="a mentee's username: the copy is theirs, shared with their mentors")


class VersionedForm(Form):
    # The copy's version the page was rendered with: an edit on top of a newer one is refused, not merged.
    version = WholeNumberField("Version", validators=[Optional()])


class RenameForm(VersionedForm):
    title = StringField("Title", validators=[InputRequired(message="type a title"), Length(max=TEXT_GUARD)])


class AddArticleForm(VersionedForm):
    section = WholeNumberField("Section", validators=[InputRequired(message="choose a section")])
    article = StringField("Catalog article", validators=[InputRequired(message="type the article's slug"),
                                                         Length(max=200)],
                          description="its slug, as in its address: /articles/<slug>")


class AddResourceForm(VersionedForm):
    section = WholeNumberField("Section", validators=[InputRequired(message="choose a section")])
    title = StringField("Title", validators=[InputRequired(message="type a title"), Length(max=TEXT_GUARD)])
    url = StringField("Link", validators=[InputRequired(message="type the address"), Length(max=TEXT_GUARD)],
                      description="starting with https:// or http://")
    minutes = WholeNumberField("Minutes", validators=[Optional()])


class PathItemForm(VersionedForm):
    article = StringField("Article", validators=[InputRequired(), Length(max=200)])
    action = SelectField("Action", choices=[SelectChoice("up"), SelectChoice("down"), SelectChoice("remove")],
                         validators=[InputRequired()])


class ShareForm(Form):
    shared = BooleanField("Show this path to my mentors")


class ChangeDecisionForm(Form):
    key = StringField("Change", validators=[InputRequired(), Length(max=200)])
    decision = SelectField("Decision", choices=[SelectChoice("take"), SelectChoice("leave")],
                           validators=[InputRequired(message="take or leave")])
