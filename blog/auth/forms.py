"""Forms of the accounts area; they validate what needs the database and hand the result to the view."""

from __future__ import annotations

import time

from flask import current_app, session
from flask_login import current_user
from flask_wtf import FlaskForm, RecaptchaField
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from blog.auth.names import display_name_problem
from blog.auth.passwords import password_problem
from blog.models import DIGEST_CHOICES, User
from blog.text import xml_safe

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
# Long enough for any passphrase; longer than bcrypt's 72 bytes is pre-hashed by the model.
PASSWORD_MAX = 1024


class LoginForm(FlaskForm):
    username = StringField("Username or e-mail", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    remember = BooleanField("Keep me logged in")


class _NewPasswordMixin:
    """A new password with its confirmation, checked against the policy."""

    password = PasswordField("Password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    confirm = PasswordField(
        "Repeat the password", validators=[DataRequired(), EqualTo("password", message="The passwords differ.")]
    )

    def _policy_names(self) -> tuple[str, str]:
        return "", ""

    def validate_password(self, field) -> None:
        username, email = self._policy_names()
        problem = password_problem(field.data or "", username=username, email=email)
        if problem:
            raise ValidationError(problem)


class RegisterForm(_NewPasswordMixin, FlaskForm):
    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Length(min=3, max=64),
            Regexp(USERNAME_PATTERN, message="Use letters, digits, dots, dashes and underscores."),
        ],
    )
    email = StringField("E-mail", validators=[DataRequired(), Length(max=320), Email()])

    def _policy_names(self) -> tuple[str, str]:
        return self.username.data or "", self.email.data or ""

    def validate_username(self, field) -> None:
        if User.username_taken(field.data):
            raise ValidationError("This username is taken.")

    def validate_email(self, field) -> None:
        if User.email_taken(field.data):
            raise ValidationError("An account with this e-mail exists; log in or reset its password.")


class RecaptchaRegisterForm(RegisterForm):
    """Registration with reCAPTCHA, used when both reCAPTCHA keys are configured."""

    recaptcha = RecaptchaField()


class ResetRequestForm(FlaskForm):
    email = StringField("E-mail", validators=[DataRequired(), Length(max=320), Email()])


class ResetPasswordForm(_NewPasswordMixin, FlaskForm):
    def __init__(self, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def _policy_names(self) -> tuple[str, str]:
        return self.user.username, self.user.email


class _CurrentPasswordMixin:
    """Asks for the current password; an account without one (OAuth only) must have just logged in at its provider."""

    current_password = PasswordField("Current password", validators=[Length(max=PASSWORD_MAX)])

    def validate_current_password(self, field) -> None:
        if current_user.password_hash:
            if not current_user.check_password(field.data or ""):
                raise ValidationError("The current password is wrong.")
        elif time.time() - session.get("reauth_at", 0) > current_app.config["REAUTH_MAX_AGE"]:
            raise ValidationError(
                'Confirm it is you first: use "Confirm it is you" next to your linked account below, then send this '
                'again within a few minutes (or set a password through "Forgot your password?" on the login page).'
            )


class ProfileForm(FlaskForm):
    display_name = StringField(
        "Display name", validators=[Length(max=100)], filters=[xml_safe, lambda v: (v or "").strip()]
    )
    digest = SelectField(
        "E-mail digest",
        choices=[
            SelectChoice("none", "No digest"),
            SelectChoice("daily", "Daily digest"),
            SelectChoice("weekly", "Weekly digest"),
        ],
    )
    notify_comments = BooleanField("E-mail me about comments on my posts")

    def validate_display_name(self, field) -> None:
        problem = display_name_problem(field.data or "", current_user)
        if problem:
            raise ValidationError(problem)

    def validate_digest(self, field) -> None:
        if field.data not in DIGEST_CHOICES:
            raise ValidationError("Choose none, daily or weekly.")


class EmailForm(_CurrentPasswordMixin, FlaskForm):
    email = StringField("New e-mail", validators=[DataRequired(), Length(max=320), Email()])

    def validate_email(self, field) -> None:
        if field.data.strip().lower() != current_user.email and User.email_taken(field.data):
            raise ValidationError("Another account uses this e-mail.")


class PasswordForm(_CurrentPasswordMixin, _NewPasswordMixin, FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=PASSWORD_MAX)])

    def _policy_names(self) -> tuple[str, str]:
        return current_user.username, current_user.email


class AuthorRequestForm(FlaskForm):
    note = TextAreaField("Why would you like to write here?", validators=[DataRequired(), Length(max=2000)])
