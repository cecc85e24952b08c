"""Signed, expiring, single-use password-reset tokens.

A token carries the user's id and a fingerprint of their current password
hash, session version and e-mail address: once the password changes (the
reset itself) or the address changes, the fingerprint no longer matches, so
each link works once and only for the address it was mailed to.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from blog.extensions import db
from blog.models import User

_SALT = "password-reset"


class TokenError(Exception):
    """The token cannot be used; the message says why, for the user."""


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    material = f"{user.password_hash or ''}:{user.session_version}:{user.email}".encode()
    return hashlib.sha256(material).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    """Return a reset token for ``user``, valid until it is used or ``PASSWORD_RESET_MAX_AGE`` passes."""
    return _serializer().dumps({"id": user.id, "fp": _fingerprint(user)})


def user_for_reset_token(token: str) -> User:
    """Return the user the token resets, or raise ``TokenError`` saying what is wrong with it."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired:
        raise TokenError("This reset link has expired. Ask for a new one below.")
    except BadSignature:
        raise TokenError("This reset link is not valid; it may have been cut short. Ask for a new one below.")
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise TokenError("This reset link is not valid. Ask for a new one below.")
    if data.get("fp") != _fingerprint(user):
        raise TokenError(
            "This reset link was already used, or the account changed since. Ask for a new one below if you need to."
        )
    return user
