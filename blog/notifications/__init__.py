"""Notifications: a post's author hears of new comments; readers hear when authors they follow publish."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Queue comment notices from new ``Comment`` rows."""
    from blog.notifications import events, services  # noqa: F401  (services registers its mail context)

    events.listen()
