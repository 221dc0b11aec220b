"""What every form shares: the CSRF-protected base that checks itself, whole numbers, text limits."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import DataRequired, StopValidation

from tracker.http.reauthentication import confirmed_at
from tracker.services.errors import Invalid

TEXT_GUARD = 20_000  # far above any field's own limit: only stops absurd input before the domain says why
# Text fields let through up to four times a service's own limit (notes.NOTE_MAX, recall.TEXT_MAX) so that
# the service can say how long the text was.


class PasswordToConfirm(DataRequired):
    """The current password, needed unless this device confirmed through the identity provider in the last five
    minutes (then it may be left empty; a password typed anyway is still checked)."""

    def __init__(self) -> None:
        super().__init__(message="type your password to confirm")
        self.field_flags = {}  # no `required` attribute: the field may be left empty after a confirmation

    def __call__(self, form, field):
        if not field.data and confirmed_at() is not None:
            raise StopValidation()
        super().__call__(form, field)


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
