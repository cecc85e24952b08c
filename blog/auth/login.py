"""Logging in with a password under the rate limits, without letting strangers lock the owner out.

Every attempt is charged to its address and to the account it names before
the password is checked (``limits.charge``). Past the account's limit an
address with failures gets the 429 page; an address without failures gets
the same 429 page whether its password was right or wrong (so guessing
learns nothing), and if it was right the account's address is mailed a
one-time login link. The owner is told by mail, at most once an hour, that
their account is being guessed at.
"""

from __future__ import annotations

import hashlib

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from blog.auth import limits, services
from blog.auth.tokens import TokenError
from blog.extensions import db
from blog.mail.queue import queue_mail
from blog.models import User, utcnow

#: The owner hears (once an hour) that their account is being guessed at.
GUESSING_KIND = "login_guessing"
#: A one-time login link, for the owner of an account past its failed-login limit.
LOGIN_LINK_KIND = "login_link"

_SALT = "login-link"
HELD = (
    "Too many failed logins for this account. If the password you typed is right, we have e-mailed the "
    "account a link to log in; otherwise please wait a few minutes, or reset your password."
)


class LoginRefused(Exception):
    """The attempt is over a limit; the message is for the user, ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def attempt_login(login: str, password: str) -> User | None:
    """Return the user if ``login``/``password`` are right, None if wrong; raise ``LoginRefused`` over a limit."""
    by_address = limits.charge("login-address", limits.address_key())
    if by_address.over:
        raise LoginRefused(limits.TOO_MANY_LOGINS, by_address.retry_after())
    by_account = limits.charge("login-account", limits.account_key())
    if by_account.over:
        _over_account_limit(login, password, fresh_address=by_address.first)
        raise LoginRefused(HELD if by_address.first else limits.TOO_MANY_LOGINS, by_account.retry_after())
    user = services.authenticate(login, password)
    if user is not None:
        by_address.refund()
        by_account.refund()
    return user


def _over_account_limit(login: str, password: str, fresh_address: bool) -> None:
    """Tell the owner their account is being guessed at; mail a login link for a right password."""
    owner = User.find_by_login(login)
    if owner is not None and owner.active:
        queue_mail(
            db.session,
            key=f"login_guessing:{owner.id}:{utcnow():%Y%m%d%H}",  # at most one a clock hour
            kind=GUESSING_KIND,
            recipient=owner.email,
            payload={"subject": "Someone is trying to log in to your account", "name": owner.name},
        )
    if fresh_address:
        user = services.authenticate(login, password)  # the same time whatever the answer
        if user is not None:
            queue_mail(
                db.session,
                key=f"login_link:{user.id}:{int(utcnow().timestamp()) // 600}",
                kind=LOGIN_LINK_KIND,
                recipient=user.email,
                payload={"subject": "Your link to log in", "name": user.name, "link": _login_link(user)},
            )
    db.session.commit()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    last = user.last_login_at.isoformat() if user.last_login_at else ""
    material = f"{user.password_hash or ''}:{user.session_version}:{last}".encode()
    return hashlib.sha256(material).hexdigest()[:16]


def _login_link(user: User) -> str:
    token = _serializer().dumps({"id": user.id, "fp": _fingerprint(user)})
    return current_app.config["BLOG_BASE_URL"] + url_for("auth.login_link", token=token)


def user_for_login_token(token: str) -> User:
    """Return the user a mailed login link logs in, or raise ``TokenError``; any login uses the link up."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["LOGIN_LINK_MAX_AGE"])
    except SignatureExpired:
        raise TokenError("This login link has expired; log in with your password.")
    except BadSignature:
        raise TokenError("This login link is not valid; it may have been cut short.")
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("fp") != _fingerprint(user):
        raise TokenError("This login link was already used or is no longer valid; log in with your password.")
    return user
