"""A group's assignment rule: its path, its due date (fixed, or days after joining), its repeat and note."""

from __future__ import annotations

from wtforms import BooleanField, DateField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; the stubs stop at 3.2
from wtforms.validators import Length, Optional

from tracker.web.forms.base import TEXT_GUARD, Form, WholeNumberField

DUE_KINDS = [SelectChoice("days", "So many days after each person joins"), SelectChoice("date", "On a fixed date"),
             SelectChoice("none", "No due date")]


class RuleForm(Form):
    """Editing a rule: everything but its path. The service says what is out of range (and the limits)."""

    due_kind = RadioField("Due", choices=DUE_KINDS, default="days")
    due_days = WholeNumberField("Days after joining", validators=[Optional()], default=30,
                                description="Counted from the day each person joined, in their time zone (1–3650).")
    due_on = DateField("Due date", validators=[Optional()], render_kw={"placeholder": "2026-12-31"})
    recur_months = WholeNumberField("Repeat every … months", validators=[Optional()],
                                    description="Empty: once. 1–60: the path starts over every so many months.")
    note = TextAreaField("Note", validators=[Length(max=TEXT_GUARD)], description="Shown with the assignment.")

    def due(self) -> tuple:
        """(due_on, due_days_after_joining) as the chosen kind says."""
        if self.due_kind.data == "date":
            return self.due_on.data, None
        if self.due_kind.data == "days":
            return None, self.due_days.data
        return None, None


class NewRuleForm(RuleForm):
    path = SelectField("Path", choices=[], validate_choice=False,
                       description="Published paths only. Each path has at most one rule per group.")


class EditRuleForm(RuleForm):
    enabled = BooleanField("Enabled", description="Off: people who join are not given the path; those who leave "
                                                  "still lose it.")
