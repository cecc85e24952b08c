"""The password policy: long enough, not a common password, not the user's own name."""

from __future__ import annotations

import os
from functools import cache

from flask import current_app

_LIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    """Return the shipped list of common passwords (lower case), read once."""
    with open(_LIST, encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, username: str = "", email: str = "") -> str | None:
    """Return why ``password`` is not acceptable, or None if it is."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return f"Use at least {minimum} characters."
    lowered = password.strip().lower()
    if lowered in common_passwords():
        return "This password is one of the most common ones; choose another."
    own = {username.strip().lower(), email.strip().lower(), email.strip().lower().partition("@")[0]}
    if lowered in own - {""}:
        return "Do not use your username or e-mail address as the password."
    if len(set(password)) < 3:
        return "Use more than one or two different characters."
    return None
