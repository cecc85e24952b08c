"""Announcements: an admin (or the push API) sends one message to many recipients, in batches, with progress."""

from flask import Flask

from blog.announcements.services import KIND, announcement_context
from blog.mail.kinds import register_kind


def init_app(app: Flask) -> None:
    """Declare the announcement mail, whose body is looked up by the announcement's id."""
    register_kind(KIND, context=announcement_context)
