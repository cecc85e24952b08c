"""Routes of the ``digest`` blueprint: the one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_login import current_user, login_required

from blog.auth.views import safe_next
from blog.digest import services
from blog.extensions import csrf
from blog.models import DIGEST_CHOICES

bp = Blueprint("digest", __name__)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail clients POST here without cookies or a CSRF token; only the signed token counts
def unsubscribe(token: str):
    user = services.user_for_token(token) or abort(404, "This unsubscribe link is not valid.")
    if request.method == "POST":
        services.unsubscribe(user)
        return render_template("digest/unsubscribed.html", user=user)
    # A GET only asks: link checkers and mail scanners follow links without meaning to unsubscribe.
    return render_template("digest/unsubscribe.html", user=user, token=token)


@bp.post("/preferences")
@login_required
def preferences():
    """Save the user's digest frequency and comment-notice choice (the form is on the account page)."""
    choice = request.form.get("digest", "")
    if choice not in DIGEST_CHOICES:
        abort(400, f"Choose a digest among: {', '.join(DIGEST_CHOICES)}.")
    services.set_preferences(current_user, choice, notify_comments=request.form.get("notify_comments") == "on")
    flash("Your mail preferences are saved.", "success")
    return redirect(safe_next(request.form.get("next")))
