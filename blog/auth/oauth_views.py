"""The OAuth views of the ``auth`` blueprint: log in, link from the account page, confirm it is you.

A logged-in user's flow starts only with a POST from the account page (CSRF
protected) that says why: ``link`` a provider account, after a confirmation
page naming it; or ``reauth``, a fresh provider login that lets an account
without a password change its e-mail or set a password for a few minutes.
``blog.auth.views`` registers these functions on the blueprint.
"""

from __future__ import annotations

import time

from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from joserfc.errors import JoseError
from requests import RequestException

from blog.auth import oauth, services
from blog.auth.redirects import safe_next

PURPOSES = ("link", "reauth")
_FAILURES = (OAuthError, JoseError, RequestException, services.OAuthRefused, KeyError, ValueError)


def oauth_start(provider: str):
    """Start a login at the provider (GET, from the login page)."""
    return _authorize(provider, purpose=None)


def oauth_purpose_start(provider: str, purpose: str):
    """Start a link or a re-authentication (POST from the account page)."""
    if purpose not in PURPOSES:
        abort(404)
    return _authorize(provider, purpose)


def _authorize(provider: str, purpose: str | None):
    if not oauth.is_configured(provider):
        abort(404)
    oauth.forget_old_attempts(keep=current_app.config["OAUTH_PENDING_MAX"] - 1)
    session["oauth_next"] = safe_next(request.args.get("next"))
    session["oauth_purpose"] = {"provider": provider, "purpose": purpose}
    # The callback the provider knows, never one built from the request's Host header.
    callback = current_app.config["BLOG_BASE_URL"] + url_for("auth.oauth_callback", provider=provider)
    extra = {"prompt": "login"} if purpose == "reauth" and provider not in oauth.PRESETS else {}
    try:
        return oauth.client(provider).authorize_redirect(callback, **extra)
    except RequestException as problem:  # its discovery document is out of reach
        current_app.logger.warning("OAuth provider %s unreachable: %r", provider, problem)
        flash(f"{oauth.label(provider)} cannot be reached right now. Please try again later.", "error")
        return redirect(url_for("auth.account" if current_user.is_authenticated else "auth.login"))


def oauth_callback(provider: str):
    """Finish at the provider's redirect: log in, or go on with the logged-in user's purpose."""
    if not oauth.is_configured(provider):
        abort(404)
    intent = session.pop("oauth_purpose", None) or {}
    purpose = intent.get("purpose") if intent.get("provider") == provider else None
    back = url_for("auth.account") if current_user.is_authenticated else url_for("auth.login")
    try:
        remote = oauth.client(provider)
        profile = oauth.fetch_profile(provider, remote, remote.authorize_access_token())
        if current_user.is_authenticated:
            return _for_logged_in_user(provider, profile, purpose)
        user, _outcome = services.oauth_user(provider, profile)
    except _FAILURES as problem:
        flash(_oauth_message(problem, oauth.label(provider)), "error")
        return redirect(back)
    target = session.pop("oauth_next", None)  # read before the login starts a fresh session
    services.start_session(user)
    flash(f"Welcome, {user.name}.", "success")
    return redirect(target or url_for("main.index"))


def _for_logged_in_user(provider: str, profile, purpose: str | None):
    label = oauth.label(provider)
    user = current_user._get_current_object()
    linked = not services.needs_link(provider, profile.subject, user)
    if purpose == "link" and not linked:
        session["oauth_pending_link"] = {"provider": provider, "subject": profile.subject, "who": _who(profile)}
        return redirect(url_for("auth.oauth_link_confirm", provider=provider))
    if purpose == "reauth" and linked:
        session["reauth_at"] = time.time()
        flash("Thank you: for the next few minutes you may change your e-mail or set a password.", "success")
    elif linked:
        flash(f"Your {label} account is linked already.", "info")
    else:
        flash(f"Nothing was linked. To link a {label} account, use its button on this page.", "info")
    return redirect(url_for("auth.account"))


def _who(profile) -> str:
    """The provider account as its owner knows it: e-mail and name."""
    name = f" ({profile.name})" if profile.name else ""
    return f"{profile.email or profile.username_hint or profile.subject}{name}"


def oauth_link_confirm(provider: str):
    """Show (GET) and carry out (POST) the link of the provider account just logged into."""
    pending = session.get("oauth_pending_link") or {}
    if pending.get("provider") != provider:
        flash("There is no link waiting for your confirmation; start again from this page.", "info")
        return redirect(url_for("auth.account"))
    if request.method == "GET":
        return render_template("auth/oauth_link.html", label=oauth.label(provider), pending=pending)
    session.pop("oauth_pending_link", None)
    if request.form.get("decision") != "link":
        flash("Nothing was linked.", "info")
        return redirect(url_for("auth.account"))
    try:
        services.link_account(current_user._get_current_object(), provider, pending["subject"])
    except services.OAuthRefused as problem:
        flash(str(problem), "error")
        return redirect(url_for("auth.account"))
    flash(f"Your {oauth.label(provider)} account is linked; you can log in with it from now on.", "success")
    return redirect(url_for("auth.account"))


def _oauth_message(problem: Exception, label: str) -> str:
    """Say in plain words why an OAuth login failed."""
    if isinstance(problem, services.OAuthRefused):
        return str(problem)
    if isinstance(problem, MismatchingStateError):
        return (
            f"The {label} login could not be verified (it may have been started in another tab or expired). "
            "Please try again."
        )
    if isinstance(problem, OAuthError) and problem.error == "access_denied":
        return f"You did not allow the login at {label}; nothing was changed."
    if isinstance(problem, OAuthError):
        detail = problem.description or problem.error
        return f"{label} refused the login ({detail}). Please try again."
    if isinstance(problem, RequestException):
        return f"{label} cannot be reached right now. Please try again later."
    if isinstance(problem, JoseError):
        return f"The answer from {label} could not be verified ({problem.error}). Please try again."
    current_app.logger.warning("unexpected answer from OAuth provider: %r", problem)
    return f"{label} sent an answer we could not use. Please try again."


def oauth_unlink(provider: str):
    """Remove the link to ``provider`` unless it is the only way in."""
    if services.unlink_oauth(current_user, provider):
        flash(f"{oauth.label(provider)} is no longer linked to your account.", "info")
    else:
        flash("Set a password first: this is your only way to log in.", "error")
    return redirect(url_for("auth.account"))
