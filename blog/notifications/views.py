"""Routes of the ``notifications`` blueprint: follow and unfollow an author."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from blog.notifications import services

bp = Blueprint("notifications", __name__)


@bp.post("/authors/<int:author_id>/follow")
@login_required
def follow(author_id: int):
    try:
        services.follow(current_user, author_id)
    except LookupError:
        abort(404, "There is no such author to follow.")
    flash("You will hear when they publish.", "success")
    return _back()


@bp.post("/authors/<int:author_id>/unfollow")
@login_required
def unfollow(author_id: int):
    services.unfollow(current_user, author_id)
    flash("You no longer follow them.", "success")
    return _back()


def _back():
    from blog.auth.views import safe_next

    target = request.form.get("next")
    return redirect(safe_next(target) if target else url_for("main.index"))
