"""HTML forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from tracker.services.accounts import PASSWORD_MAX


class SignInForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=PASSWORD_MAX)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this device")


class SignUpForm(FlaskForm):
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


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField("New password", validators=[DataRequired()],
                             render_kw={"autocomplete": "new-password"},
                             description="At least 8 characters.")
    confirm = PasswordField("Repeat the new password",
                            validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
                            render_kw={"autocomplete": "new-password"})


class TokenForm(FlaskForm):
    name = StringField("Token name", validators=[DataRequired(), Length(max=80)],
                       description="What will use it, e.g. “reading-list script”.")
