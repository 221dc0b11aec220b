"""Signing in and up, and the account page."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3; the stubs stop at 3.2
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from tracker.http.auth import password_policy
from tracker.models import EmailFrequency, Role, TokenScope, User
from tracker.services.people.accounts import AccountError, check_password, normalise_username
from tracker.services.people.passwords import PASSWORD_MAX
from tracker.services.people.time_zones import zone_names
from tracker.services.people.tokens import TOKEN_LIFETIMES
from tracker.web.forms.base import TEXT_GUARD, Form, PasswordToConfirm, WholeNumberField


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

    # The account rules are checked here too, field by field, so that one submit shows every problem at once,
    # each beside its field (the service checks them again when it creates the account).
    def validate_username(self, field: StringField) -> None:
        try:
            normalise_username(field.data or "")
        except AccountError as exc:
            raise ValidationError(str(exc)) from None

    def validate_password(self, field: PasswordField) -> None:
        try:
            check_password(field.data or "", policy=password_policy(ask_range_service=False),
                           username=(self.username.data or "").strip().lower(),
                           display_name=self.display_name.data or "")
        except AccountError as exc:
            raise ValidationError(str(exc)) from None


class SetupForm(SignUpForm):
    """The first administrator's account, with the setup link's token carried along."""

    token = HiddenField("Setup token", validators=[DataRequired(), Length(max=200)])


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


class ChatSettingsForm(Form):
    # The service says what is wrong with a URL (and its limit); the form only stops absurd input.
    url = StringField("Slack or Teams incoming-webhook URL", validators=[Length(max=TEXT_GUARD)],
                      render_kw={"spellcheck": "false", "autocomplete": "off"},
                      description="Your notifications are posted there too, each a short text with a link. "
                                  "Leave it empty to stop.")


def _percent(value: object) -> int | None:
    """A whole percent from the form, or None (then "Not a valid choice") for anything else."""
    try:
        return int(str(value))
    except ValueError:
        return None


class RetentionForm(Form):
    retention = SelectField("Desired retention", coerce=_percent, validators=[InputRequired()],
                            choices=[SelectChoice(percent, f"{percent}%") for percent in range(70, 98)],
                            description="How likely you are to remember a card when it comes back. Higher means "
                                        "more reviews.")


class ReviewLimitsForm(Form):
    new_cards = WholeNumberField("New cards per day", validators=[InputRequired(message="write a whole number")],
                                 render_kw={"inputmode": "numeric"},
                                 description="Cards you have never reviewed that the review queue brings in each day.")
    reviews = WholeNumberField("Reviews per day", validators=[InputRequired(message="write a whole number")],
                               render_kw={"inputmode": "numeric"},
                               description="Reviews of cards you know already (learning steps are never held back).")


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
    """A new API token; only an administrator is offered (and may choose) the admin scope."""

    name = StringField("Token name", validators=[DataRequired(), Length(max=80)],
                       description="What will use it, e.g. “reading-list script”.")
    scope = SelectField("Access", choices=[SelectChoice(TokenScope.read.value, "Read only"),
                                           SelectChoice(TokenScope.write.value, "Read and write"),
                                           SelectChoice(TokenScope.admin.value, "Read, write and administer")],
                        default=TokenScope.read.value,
                        description="Only an administrator's token can administer; a read-and-write token of "
                                    "theirs cannot manage users, credentials or webhooks.")
    lifetime = SelectField("Expires",
                           choices=[*(SelectChoice(str(days), f"in {days} days") for days in TOKEN_LIFETIMES),
                                    SelectChoice("", "never (until revoked)")],
                           default=str(TOKEN_LIFETIMES[1]), validate_choice=True)
    password = PasswordField("Your password", validators=[PasswordToConfirm(),
                                                          Length(max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "current-password"},
                             description="A token acts as you until it is revoked; changing your password or "
                                         "signing out everywhere revokes every token.")

    def offered_to(self, user: User) -> TokenForm:
        """The form as `user` sees it: the admin scope only for an administrator."""
        if not user.has_role(Role.admin):
            self.scope.choices = [SelectChoice(TokenScope.read.value, "Read only"),
                                  SelectChoice(TokenScope.write.value, "Read and write")]
            self.scope.description = ""
        return self


class DeleteAccountForm(Form):
    password = PasswordField("Your password", validators=[PasswordToConfirm(),
                                                          Length(max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "current-password"})
    understood = BooleanField("I understand that my account and everything in it are deleted for good",
                              validators=[DataRequired(message="tick the box to confirm")])


class DeleteUserForm(Form):
    """An administrator deletes an account: they type its username to confirm."""

    confirm = StringField("Type the username to confirm", validators=[DataRequired(), Length(max=64)],
                          render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})


class ProviderSignInForm(Form):
    """The "Sign in with <provider>" button: where to go afterwards rides along."""

    next = HiddenField()


class LinkAccountForm(Form):
    """Linking a provider account to an existing one: its password proves the person owns it (signed out)."""

    password = PasswordField("Password of your account here", validators=[DataRequired(), Length(max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "current-password"})


class ConfirmLinkForm(Form):
    """Linking a provider account to the account signed in in this browser: a button."""
