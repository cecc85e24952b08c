"""Reminders: a reader asks to be e-mailed about a post later; an author about a draft."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Queue reminder mail from new ``Reminder`` rows and mark them sent."""
    from blog.reminders import events, services  # noqa: F401  (services registers its mail hooks)

    events.listen()
