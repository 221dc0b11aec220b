"""A mentor's forms: invitations, assignments, due dates, replies."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from tracker.services.learning.notes import NOTE_MAX
from tracker.web.forms.base import Form, WholeNumberField


class InviteForm(Form):
    username = StringField("Username", validators=[DataRequired(message="name the learner to invite"),
                                                   Length(max=64)])


class AssignForm(Form):
    learners = FieldList(StringField("Mentee", validators=[Length(max=64)]), label="Mentees", max_entries=500)
    path = StringField("Path", validators=[Length(max=80)])
    due_on = DateField("Due date", validators=[Optional()],
                       render_kw={"placeholder": "2026-12-31"})
    note = TextAreaField("Note", validators=[Length(max=1000)])
    # Checked by the service (1 to 60), so the page and the API refuse the same numbers with the same words.
    recur_months = WholeNumberField("Repeat every (months)", validators=[Optional()],
                                    description="empty: once; 1 to 60: the path starts over every so many months")
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
