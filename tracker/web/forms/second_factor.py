"""The second factor: the step after the password, and adding or removing an app or a passkey."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from tracker.services.people.passwords import PASSWORD_MAX
from tracker.web.forms.base import Form, PasswordToConfirm


def _code_field(label: str = "Code", description: str = "") -> StringField:
    return StringField(label, validators=[DataRequired(message="type the code"), Length(max=40)],
                       description=description,
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false",
                                  "inputmode": "text"})


def _password_field() -> PasswordField:
    return PasswordField("Your password", validators=[PasswordToConfirm(),
                                                      Length(max=PASSWORD_MAX)],
                         render_kw={"autocomplete": "current-password"})


class SecondStepForm(Form):
    code = _code_field("Code from your authenticator app",
                       "The six digits it shows now, or one of your recovery codes (each works once).")


class ConfirmAppForm(Form):
    code = _code_field("Code the app shows", "Six digits; they change every 30 seconds.")


class RemoveAppForm(Form):
    password = _password_field()
    code = _code_field("Code from the app (or a recovery code)")


class RenewCodesForm(Form):
    password = _password_field()


class BeginAppForm(Form):
    """Adding an app changes what signing in rests on: the password says it is really the owner (a stolen
    session alone cannot add a factor of its own)."""
    password = _password_field()


class PasskeyNameForm(Form):
    name = StringField("Name of the passkey", validators=[DataRequired(message="name the passkey"), Length(max=80)],
                       description="Which device or password manager holds it, e.g. “work laptop”.")
    password = _password_field()


class DeletePasskeyForm(Form):
    password = _password_field()
