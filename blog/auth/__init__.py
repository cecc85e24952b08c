"""Accounts: registration, login, sessions, password reset and OAuth."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Load users from sessions and mail new users."""
    from blog.auth import events, sessions

    sessions.init_app(app)
    events.listen()
