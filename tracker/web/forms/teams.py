"""The forms of the group administration: a group's details, adding members by usernames (pasted or a CSV
file), a member's manager flag, and deleting a group."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tracker.services.teams import groups as teams_groups
from tracker.services.teams import roster
from tracker.web.forms.base import TEXT_GUARD, Form

# The service says what is wrong with a name, a mapping or a list of usernames (and its limit); the forms only
# stop absurd input.


class GroupForm(Form):
    name = StringField("Name", validators=[Length(max=TEXT_GUARD)],
                       description="As people see it, e.g. “Platform team” or “Spring 2027 cohort”.")
    description = TextAreaField("Description", validators=[Optional(), Length(max=TEXT_GUARD)],
                                render_kw={"rows": 2})
    idp_name = StringField("Provider group name", validators=[Optional(), Length(max=TEXT_GUARD)],
                           description="The name of this group in the identity provider's groups claim: people "
                                       "who sign in with it join the group. Leave empty for none.",
                           render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})


class NewGroupForm(GroupForm):
    slug = StringField("Address", validators=[Optional(), Length(max=TEXT_GUARD)],
                       description="Lower-case letters, digits and hyphens, for its links; made from the name when "
                                   "left empty.",
                       render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})


class AddMembersForm(Form):
    usernames = TextAreaField("Usernames", validators=[Length(max=roster.TEXT_MAX * 2)],
                              description="One a line, or several separated by commas or spaces; or paste a CSV "
                                          "with a “username” column.",
                              render_kw={"rows": 5, "autocapitalize": "none", "spellcheck": "false"})
    file = FileField("Or upload a CSV file", description="A .csv or .txt file of usernames, as above.",
                     render_kw={"accept": ".csv,.txt,text/csv,text/plain"})


class ConfirmMembersForm(Form):
    """The previewed list, sent back to be applied (checked again: all or nothing)."""

    usernames = HiddenField("Usernames", validators=[DataRequired(), Length(max=roster.TEXT_MAX * 2)])


class ManagerForm(Form):
    manager = HiddenField("Manager", validators=[DataRequired(), Length(max=5)])

    def wanted(self) -> bool:
        return self.manager.data == "1"


class DeleteGroupForm(Form):
    confirm = StringField("Type the group's address to confirm",
                          validators=[DataRequired(), Length(max=teams_groups.SLUG_MAX * 2)],
                          render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})
