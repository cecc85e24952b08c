"""Rate limits on login, registration and password reset, and clearing them (``manage.py unlock``).

Limits are counted per address, and failed logins also per account, so that
guessing one user's password from many addresses is slowed down too. The
counters live in ``RATELIMIT_STORAGE_URI``: memory (per process) by default,
Redis to share them between gunicorn workers.

A login attempt is charged before the password is checked, with one atomic
increment per window (``charge``), so parallel requests never get more checks
than the limit; a successful login is refunded, so only failures count.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage

from blog.extensions import limiter
from blog.models import User
from blog.throttle import warn_throttled

#: Where attempts are counted while the shared store (Redis) is down: this process's memory, as
#: Flask-Limiter's own in-memory fallback does for the other limits (the same limits, per process).
_fallback = MemoryStorage()


def address_key() -> str:
    return f"address:{get_remote_address()}"


def user_key() -> str:
    """The logged-in user (the limits are checked before ``login_required``: anonymous callers count by address)."""
    return f"user:{current_user.id}" if current_user.is_authenticated else address_key()


def account_key() -> str:
    """The account a login names, whichever of its names is typed (or the name itself if unknown)."""
    login = (request.form.get("username") or "").strip().lower()[:320]
    user = User.find_by_login(login) if login else None
    return f"user:{user.id}" if user is not None else f"login:{login}"


#: scope -> (setting, key kind); the scopes are the storage's bucket names.
LIMITS = {
    "login-address": ("RATELIMIT_LOGIN", "address"),
    "login-account": ("RATELIMIT_LOGIN_ACCOUNT", "account"),
    "register-address": ("RATELIMIT_REGISTER", "address"),
    "reset-address": ("RATELIMIT_RESET", "address"),
    "confirm-account": ("RATELIMIT_CONFIRM", "account"),
    "preview-account": ("RATELIMIT_PREVIEW", "account"),
    "comment-account": ("RATELIMIT_COMMENTS", "account"),
    "comment-address": ("RATELIMIT_COMMENTS_ADDRESS", "address"),
}


TOO_MANY = "Too many requests; please wait a few minutes and try again."
TOO_MANY_LOGINS = (
    "Too many failed logins; please wait a few minutes and try again, or reset your password if you have forgotten it."
)


def _limit(scope: str, key_func, message: str = TOO_MANY, **options):
    setting = LIMITS[scope][0]
    return limiter.shared_limit(
        lambda: current_app.config[setting],
        scope,
        key_func=key_func,
        methods=["POST"],
        error_message=message,
        **options,
    )


register_by_address = _limit("register-address", address_key)
reset_by_address = _limit("reset-address", address_key)
confirm_by_account = _limit("confirm-account", user_key)
comment_by_user = _limit("comment-account", user_key, "You are commenting very fast; please wait a little.")
comment_by_address = _limit(
    "comment-address", address_key, "Many comments come from your address; please wait a little."
)
preview_by_author = _limit(
    "preview-account", user_key, "Too many previews at once; the preview comes back in a minute."
)


def _identifiers(key: str, scope: str) -> tuple[str, ...]:
    """The storage identifiers of ``key`` in ``scope``, as Flask-Limiter's shared limits name them."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX")
    return (prefix, key, scope) if prefix else (key, scope)


@dataclass
class Charge:
    """One attempt counted against every window of a limit, with the counts it saw."""

    identifiers: tuple[str, ...]
    counted: list[tuple[RateLimitItem, int]] = field(default_factory=list)
    storage: Storage | None = None

    @property
    def over(self) -> bool:
        """True if this attempt passed the limit of any window."""
        return any(count > item.amount for item, count in self.counted)

    @property
    def first(self) -> bool:
        """True if nothing had been counted in any window before this attempt."""
        return all(count <= 1 for _item, count in self.counted)

    def retry_after(self) -> int:
        """Seconds until every window passed is open again."""
        ends = [
            self.storage.get_expiry(item.key_for(*self.identifiers))
            for item, count in self.counted
            if count > item.amount and self.storage is not None
        ]
        return max(1, int(max(ends, default=time.time()) - time.time()) + 1)

    def refund(self) -> None:
        """Take the attempt back (a login that succeeded does not count)."""
        for item, _count in self.counted:
            _increment(self.storage, item, self.identifiers, -1)


def charge(scope: str, key: str) -> Charge:
    """Count one attempt of ``key`` in ``scope`` before the work it guards, atomically (Redis: a Lua INCR)."""
    charged = Charge(_identifiers(key, scope))
    if not limiter.enabled:
        return charged
    charged.storage = limiter.limiter.storage
    for item in parse_many(current_app.config[LIMITS[scope][0]]):
        charged.storage, count = _increment(charged.storage, item, charged.identifiers, 1)
        charged.counted.append((item, count))
    return charged


def _increment(storage: Storage | None, item: RateLimitItem, identifiers: tuple[str, ...], amount: int):
    """Add ``amount`` to the window's counter; return the store that counted it and the new count."""
    key = item.key_for(*identifiers)
    if storage is not None and storage is not _fallback:
        try:
            return storage, storage.incr(key, item.get_expiry(), amount=amount)
        except Exception as exc:  # redis-py and limits raise many kinds; all mean "the store is down"
            warn_throttled("login-limits", "rate-limit store unavailable, counting logins in memory: %s", exc)
    return _fallback, _fallback.incr(key, item.get_expiry(), amount=amount)


def unlock(*, user: User | None = None, address: str | None = None) -> int:
    """Clear the counters of ``user`` (under any of its names) or of ``address``; return how many were cleared."""
    keys = {"account": [], "address": []}
    if user is not None:
        keys["account"] = [f"user:{user.id}", f"login:{user.username.lower()}", f"login:{user.email}"]
    if address:
        keys["address"] = [f"address:{address}"]
    prefix = [current_app.config["RATELIMIT_KEY_PREFIX"]] if current_app.config.get("RATELIMIT_KEY_PREFIX") else []
    cleared = 0
    for scope, (setting, kind) in LIMITS.items():
        for key in keys[kind]:
            for item in parse_many(current_app.config[setting]):
                limiter.limiter.clear(item, *prefix, key, scope)
                cleared += 1
    return cleared
