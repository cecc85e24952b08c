"""Confirming e-mail addresses: signed, single-use, expiring links sent through the outbox.

A link carries the user's id, the address to confirm and a fingerprint of
the account's current address and confirmation time (plus its session
version for a change of address). Confirming changes the fingerprint, so a
link works once; "log out everywhere" or a password change cancels a pending
change of address.
"""

from __future__ import annotations

import hashlib

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from blog.auth.tokens import TokenError
from blog.extensions import db
from blog.mail.queue import queue_mail
from blog.models import User, utcnow

#: The link that confirms an address (a new account, or a new address for an account).
CONFIRM_KIND = "confirm_email"
#: The old address hears that the account's address is changing.
CHANGE_NOTICE_KIND = "email_change_notice"

_SALT = "confirm-email"
#: Resends inside one window share an outbox key, so one click never queues two mails.
_KEY_WINDOW_SECONDS = 600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User, change: bool) -> str:
    verified = user.email_verified_at.isoformat() if user.email_verified_at else ""
    material = f"{user.email}:{verified}:{user.session_version if change else ''}".encode()
    return hashlib.sha256(material).hexdigest()[:16]


def make_confirm_token(user: User, email: str) -> str:
    """Return a link token confirming ``email`` for ``user`` (a change of address if it is not theirs)."""
    change = email != user.email
    return _serializer().dumps({"id": user.id, "email": email, "fp": _fingerprint(user, change)})


def confirm_link(user: User, email: str) -> str:
    """The absolute confirmation link, under ``BLOG_BASE_URL`` (never the request's Host)."""
    path = url_for("auth.confirm_email", token=make_confirm_token(user, email))
    return current_app.config["BLOG_BASE_URL"] + path


def send_confirmation(user: User, email: str | None = None) -> bool:
    """Queue the confirmation mail to ``email`` (default: the user's address); False if just queued."""
    email = (email or user.email).strip().lower()
    window = int(utcnow().timestamp()) // _KEY_WINDOW_SECONDS
    queued = queue_mail(
        db.session,
        key=f"confirm_email:{user.id}:{email}:{window}",
        kind=CONFIRM_KIND,
        recipient=email,
        payload={
            "subject": "Confirm your e-mail address",
            "name": user.name,
            "link": confirm_link(user, email),
            "change": email != user.email,
            "days": current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 86400,
        },
    )
    db.session.commit()
    return queued is not None


def request_email_change(user: User, new_email: str) -> None:
    """Mail a confirmation link to ``new_email`` and tell the current address; nothing changes yet."""
    new_email = new_email.strip().lower()
    queue_mail(
        db.session,
        key=f"email_change_notice:{user.id}:{new_email}:{int(utcnow().timestamp()) // _KEY_WINDOW_SECONDS}",
        kind=CHANGE_NOTICE_KIND,
        recipient=user.email,
        payload={"subject": "Your e-mail address is about to change", "name": user.name, "new_email": new_email},
    )
    send_confirmation(user, new_email)


def _load(token: str) -> tuple[User, str, dict]:
    try:
        data = _serializer().loads(token, max_age=current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    except SignatureExpired:
        raise TokenError("This confirmation link has expired. Log in and ask for a new one.")
    except BadSignature:
        raise TokenError("This confirmation link is not valid; it may have been cut short.")
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or not user.active or not isinstance(data.get("email"), str):
        raise TokenError("This confirmation link is not valid.")
    return user, data["email"], data


def confirm_email(token: str) -> tuple[User, bool]:
    """Confirm the address in ``token``; return the user and whether their address changed."""
    user, email, data = _load(token)
    change = email != user.email
    if data.get("fp") != _fingerprint(user, change):
        raise TokenError("This confirmation link was already used or replaced by a newer one.")
    if change:
        if User.email_taken(email):
            raise TokenError("Another account uses this address now; choose another one on your account page.")
        user.email = email
    user.mark_email_verified()
    db.session.commit()
    return user, change
