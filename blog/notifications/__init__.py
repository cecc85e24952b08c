"""Notifications: a post's author hears of new comments; readers hear when authors they follow publish."""

from flask import Flask
from flask_login import current_user

from blog.mail.kinds import register_kind
from blog.models import User
from blog.notifications import events, services


def init_app(app: Flask) -> None:
    """Declare the comment notice and the follower mail, queue notices from new comments, offer ``is_following``."""
    register_kind(events.KIND, context=services.comment_context)
    register_kind(services.FOLLOW_KIND, context=services.follow_context)
    events.listen()
    app.jinja_env.globals["is_following"] = _current_user_follows


def _current_user_follows(author: User) -> bool:
    """The template test on an author's page: does the reader follow them?"""
    return current_user.is_authenticated and services.is_following(current_user, author.id)
