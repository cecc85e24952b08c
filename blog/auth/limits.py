"""Rate limits on login, registration and password reset, and clearing them (``manage.py unlock``).

Limits are counted per address, and failed logins also per account, so that
guessing one user's password from many addresses is slowed down too. The
counters live in ``RATELIMIT_STORAGE_URI``: memory (per process) by default,
Redis to share them between gunicorn workers.
"""

from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse_many

from blog.extensions import limiter
from blog.models import User


def address_key() -> str:
    return f"address:{get_remote_address()}"


def account_key() -> str:
    """The account a login names, whichever of its names is typed (or the name itself if unknown)."""
    login = (request.form.get("username") or "").strip().lower()[:320]
    user = User.find_by_login(login) if login else None
    return f"user:{user.id}" if user is not None else f"login:{login}"


def _failed_login(response) -> bool:
    return response.status_code != 302  # a failed login renders the form again


#: scope -> (setting, key kind); the scopes are the storage's bucket names.
LIMITS = {
    "login-address": ("RATELIMIT_LOGIN", "address"),
    "login-account": ("RATELIMIT_LOGIN_ACCOUNT", "account"),
    "register-address": ("RATELIMIT_REGISTER", "address"),
    "reset-address": ("RATELIMIT_RESET", "address"),
    "confirm-account": ("RATELIMIT_CONFIRM", "account"),
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


login_by_address = _limit("login-address", address_key, TOO_MANY_LOGINS, deduct_when=_failed_login)
login_by_account = _limit("login-account", account_key, TOO_MANY_LOGINS, deduct_when=_failed_login)
register_by_address = _limit("register-address", address_key)
reset_by_address = _limit("reset-address", address_key)
confirm_by_account = _limit("confirm-account", lambda: f"user:{current_user.get_id().partition(':')[0]}")


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
