"""Routes of the ``auth`` blueprint: register, log in and out, reset a password, OAuth, the account page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import TooManyRequests

from blog.auth import login as attempts
from blog.auth import oauth, oauth_views, services, verification
from blog.auth.forms import (
    AuthorRequestForm,
    EmailForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    RecaptchaRegisterForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from blog.auth.limits import confirm_by_account, register_by_address, reset_by_address
from blog.auth.redirects import safe_next
from blog.auth.tokens import TokenError, user_for_reset_token
from blog.extensions import db

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = attempts.attempt_login(form.username.data, form.password.data)
        except attempts.LoginRefused as refused:
            raise TooManyRequests(str(refused), retry_after=refused.retry_after) from None
        if user is not None:
            services.start_session(user, remember=form.remember.data)
            flash(f"Welcome back, {user.name}.", "success")
            return redirect(safe_next(request.args.get("next")))
        # One message whatever was wrong: do not reveal which accounts exist.
        form.password.errors.append("Wrong username or password.")
    return render_template("auth/login.html", form=form, next=request.args.get("next"))


@bp.route("/login/link/<token>", methods=["GET", "POST"])
def login_link(token: str):
    try:
        user = attempts.user_for_login_token(token)
    except TokenError as problem:
        abort(400, str(problem))
    if request.method == "GET":  # a mail scanner's visit must not use the link up
        return render_template("auth/login_link.html", user=user)
    services.start_session(user)
    flash(f"Welcome back, {user.name}.", "success")
    return redirect(url_for("main.index"))


@bp.post("/logout")
def logout():
    services.end_session(current_user)
    flash("You are logged out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@register_by_address
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    recaptcha = current_app.config.get("RECAPTCHA_PUBLIC_KEY") and current_app.config.get("RECAPTCHA_PRIVATE_KEY")
    form = (RecaptchaRegisterForm if recaptcha else RegisterForm)()
    if form.validate_on_submit():
        user = services.register_user(form.username.data, form.email.data, form.password.data)
        services.start_session(user)
        flash(
            f"Welcome, {user.name}! We have e-mailed a link to {user.email}: open it to confirm the address, "
            "then you can comment and get mail from the blog.",
            "success",
        )
        return redirect(url_for("main.index"))
    return render_template("auth/register.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@reset_by_address
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same answer whether or not the address has an account.
        flash("If an account uses that address, we have e-mailed it a link to choose a new password.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = user_for_reset_token(token)
    except TokenError as problem:
        flash(str(problem), "error")
        return render_template("auth/reset_request.html", form=ResetRequestForm()), 400
    form = ResetPasswordForm(user)
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        flash("Your password is changed; log in with it now.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


bp.add_url_rule("/oauth/<provider>", view_func=oauth_views.oauth_start, methods=["GET"])
bp.add_url_rule(
    "/oauth/<provider>/<purpose>", view_func=login_required(oauth_views.oauth_purpose_start), methods=["POST"]
)
bp.add_url_rule("/oauth/<provider>/callback", view_func=oauth_views.oauth_callback, methods=["GET"])
bp.add_url_rule(
    "/oauth/<provider>/link/confirm",
    view_func=login_required(oauth_views.oauth_link_confirm),
    methods=["GET", "POST"],
)
bp.add_url_rule("/oauth/<provider>/unlink", view_func=login_required(oauth_views.oauth_unlink), methods=["POST"])


@bp.get("/account")
@login_required
def account():
    return _account_page()


@bp.post("/account/profile")
@login_required
def account_profile():
    form = ProfileForm(prefix="profile")
    if not form.validate_on_submit():
        return _account_page(profile_form=form), 400
    form.populate_obj(current_user)
    db.session.commit()
    flash("Your settings are saved.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/email")
@login_required
def account_email():
    form = EmailForm(prefix="email")
    if not form.validate_on_submit():
        return _account_page(email_form=form), 400
    if form.email.data.strip().lower() == current_user.email:
        flash("That is your address already.", "info")
        return redirect(url_for("auth.account"))
    verification.request_email_change(current_user, form.email.data)
    flash(
        f"We have e-mailed a link to {form.email.data.strip().lower()}: your address changes when you open it. "
        "Your current address was told.",
        "info",
    )
    return redirect(url_for("auth.account"))


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    try:
        user, changed = verification.confirm_email(token)
    except TokenError as problem:
        abort(400, str(problem))
    flash(
        f"Your e-mail address is now {user.email}." if changed else f"{user.email} is confirmed; thank you.", "success"
    )
    return redirect(url_for("auth.account") if current_user.is_authenticated else url_for("auth.login"))


@bp.post("/confirm/resend")
@login_required
@confirm_by_account
def confirm_resend():
    if current_user.email_verified:
        flash("Your address is confirmed already.", "info")
    else:
        verification.send_confirmation(current_user)
        flash(f"We have e-mailed a new link to {current_user.email}.", "info")
    return redirect(safe_next(request.form.get("next")))


@bp.post("/account/password")
@login_required
def account_password():
    form = PasswordForm(prefix="password")
    if not form.validate_on_submit():
        return _account_page(password_form=form), 400
    services.set_password(current_user, form.password.data)
    services.keep_this_session(current_user._get_current_object())
    flash("Your password is changed; your other sessions are logged out.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/sessions")
@login_required
def account_sessions():
    services.end_other_sessions(current_user._get_current_object())
    flash("You are logged out everywhere else.", "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/author-request")
@login_required
def account_author_request():
    form = AuthorRequestForm(prefix="author")
    if not form.validate_on_submit():
        return _account_page(author_form=form), 400
    if services.request_authorship(current_user, form.note.data) is None:
        flash("You can already write, or your request is waiting for an admin.", "info")
    else:
        flash("Your request is sent; an admin will answer by e-mail.", "success")
    return redirect(url_for("auth.account"))


def _account_page(**forms):
    """Render the account page with fresh forms, or the given ones carrying errors."""
    user = current_user
    forms.setdefault("profile_form", ProfileForm(prefix="profile", obj=user, formdata=None))
    forms.setdefault("email_form", EmailForm(prefix="email", formdata=None, data={"email": user.email}))
    forms.setdefault("password_form", PasswordForm(prefix="password", formdata=None))
    forms.setdefault("author_form", AuthorRequestForm(prefix="author", formdata=None))
    linked = {account.provider for account in user.oauth_accounts}
    return render_template(
        "auth/account.html",
        user=user,
        linked=linked,
        providers=oauth.configured(),
        pending_request=services.pending_author_request(user),
        **forms,
    )
