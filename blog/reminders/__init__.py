"""Reminders: a reader asks to be e-mailed about a post later; an author about a draft."""

from flask import Flask

from blog.mail.kinds import register_kind
from blog.reminders import events, services


def init_app(app: Flask) -> None:
    """Declare the reminder mail, queue it from new ``Reminder`` rows, and offer ``may_remind`` to templates."""
    register_kind(events.KIND, context=services.reminder_context, on_sent=services.mark_reminder_sent)
    events.listen()
    app.jinja_env.globals["may_remind"] = services.may_remind
