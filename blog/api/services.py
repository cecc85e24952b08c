"""API tokens (stored as SHA-256 hashes) and the validation of pushed mail."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import delete

from blog.extensions import db
from blog.models import ApiToken, User, utcnow
from blog.models.accounts import API_SCOPES

MAIL_FIELDS = {"to", "subject", "body"}


class InvalidRequest(ValueError):
    """The request body is wrong; the message says which part."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str, scopes: list[str]) -> str:
    """Create a token for ``user`` limited to ``scopes``; return it in clear (the only time it is seen)."""
    unknown = sorted(set(scopes) - set(API_SCOPES))
    if unknown or not scopes:
        raise InvalidRequest(f"choose what the token may do: one or more of {', '.join(API_SCOPES)}")
    token = secrets.token_urlsafe(32)
    chosen = " ".join(scope for scope in API_SCOPES if scope in scopes)
    db.session.add(ApiToken(user_id=user.id, name=name.strip()[:80], token_hash=_digest(token), scopes=chosen))
    db.session.commit()
    return token


def expires_at(token: ApiToken) -> datetime:
    """When ``token`` stops working: ``API_TOKEN_MAX_AGE_DAYS`` after it was made."""
    return token.created_at + timedelta(days=current_app.config["API_TOKEN_MAX_AGE_DAYS"])


def revoke_all_tokens(user: User) -> int:
    """Delete every API token of ``user`` (in the caller's transaction); return how many."""
    return db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount


def revoke_token(user: User, token_id: int) -> bool:
    """Delete the user's token ``token_id``; return False if they have none by that id."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return False
    db.session.delete(token)
    db.session.commit()
    return True


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.execute(db.select(ApiToken).filter_by(user_id=user.id).order_by(ApiToken.id)).scalars())


def token_for_bearer(header: str | None) -> ApiToken | None:
    """The unexpired token of an active user in an ``Authorization: Bearer`` header, or None."""
    scheme, _, credentials = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():  # RFC 7235: schemes are case-insensitive
        return None
    token = db.session.execute(
        db.select(ApiToken).filter_by(token_hash=_digest(credentials.strip()))
    ).scalar_one_or_none()
    if token is None or not token.user.active or expires_at(token) <= utcnow():
        return None
    token.last_used_at = utcnow()
    db.session.commit()
    return token


def parse_mail_request(data) -> tuple[list[str], str, str]:
    """Check a ``POST /api/mail`` body; return ``(to, subject, body)`` or raise ``InvalidRequest``."""
    if not isinstance(data, dict):
        raise InvalidRequest('the body must be a JSON object like {"to": [...], "subject": "...", "body": "..."}')
    unknown = sorted(set(data) - MAIL_FIELDS)
    if unknown:
        raise InvalidRequest(f"unknown field(s): {', '.join(unknown)}; allowed: to, subject, body")
    missing = sorted(MAIL_FIELDS - set(data))
    if missing:
        raise InvalidRequest(f"missing field(s): {', '.join(missing)}")
    to, subject, body = data["to"], data["subject"], data["body"]
    if not isinstance(to, list) or not to or not all(isinstance(a, str) for a in to):
        raise InvalidRequest('"to" must be a non-empty list of e-mail addresses')
    limit = current_app.config["API_MAIL_MAX_RECIPIENTS"]
    if len(to) > limit:
        raise InvalidRequest(f'"to" has {len(to)} recipients; at most {limit} are allowed')
    for address in to:
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError as error:
            raise InvalidRequest(f'"to" has an invalid address {address!r}: {error}') from None
    if not isinstance(subject, str) or not subject.strip() or len(subject) > 200:
        raise InvalidRequest('"subject" must be a non-empty string of at most 200 characters')
    if not isinstance(body, str) or not body.strip() or len(body) > 50_000:
        raise InvalidRequest('"body" must be a non-empty string of at most 50,000 characters')
    return to, subject, body
