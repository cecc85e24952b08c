"""Routes of the ``digest`` blueprint: the one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from blog.digest import services
from blog.extensions import csrf

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
