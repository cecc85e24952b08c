"""Administration: users, roles, author requests and comment moderation."""

from flask import Flask

from blog.admin.services import DECISION_KIND
from blog.mail.kinds import register_kind


def init_app(app: Flask) -> None:
    """Declare the mail that tells a reader how their request to write was decided."""
    register_kind(DECISION_KIND)
