"""How fast a reader may set reminders: a reminder mails a text its author chose, so it is rationed."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from blog.extensions import limiter


def _user_key() -> str:
    return f"user:{current_user.get_id()}"


remind_rate_limit = limiter.limit(
    lambda: current_app.config["RATELIMIT_REMINDERS"],
    key_func=_user_key,
    methods=["POST"],
    error_message="You have set many reminders in a short time; please wait a little.",
)
