"""Routes of the ``reminders`` blueprint: set, list and cancel reminders."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from blog.extensions import db
from blog.models import Post
from blog.permissions import remind_permission, require
from blog.reminders import services
from blog.reminders.forms import ReminderForm
from blog.reminders.limits import remind_rate_limit

bp = Blueprint("reminders", __name__)


@bp.get("/")
@require(remind_permission)
def index():
    return render_template("reminders/index.html", reminders=services.reminders_of(current_user))


@bp.post("/post/<int:post_id>")
@require(remind_permission)
@remind_rate_limit
def remind_post(post_id: int):
    post = db.session.get(Post, post_id)
    if post is None or not services.may_remind(current_user, post):
        abort(404)  # the same answer for another author's draft and a missing post
    form = ReminderForm()
    if not form.validate():
        abort(400, "; ".join(error for errors in form.errors.values() for error in errors))
    try:
        remind_at = services.remind_at_for(form.when.data, form.at_utc())
        services.set_reminder(current_user, post, remind_at, form.text.data or "")
    except services.ReminderError as error:
        abort(400, str(error))
    flash(f"We will remind you on {remind_at:%Y-%m-%d %H:%M} UTC.", "success")
    return redirect(url_for(".index"))


@bp.post("/<int:reminder_id>/cancel")
@require(remind_permission)
def cancel(reminder_id: int):
    if not services.cancel_reminder(current_user, reminder_id):
        abort(404)
    flash("Reminder canceled.", "success")
    return redirect(url_for(".index"))
