"""Loading the logged-in user, with sessions that the server can revoke.

The session stores ``"<user id>:<session version>"``; bumping the user's
version (logout everywhere, password change, deactivation) makes every
earlier session and remember-me cookie load nobody.
"""

from __future__ import annotations

from flask import Flask

from blog.extensions import db, login_manager
from blog.models import User


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def load_user(session_id: str) -> User | None:
    """Return the active user for ``session_id`` if its version is current."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user
