"""Routes of the ``main`` blueprint: what readers see."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from blog.main import queries

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(404)
    listing = queries.home_page(page)
    if page > 1 and not listing.posts:
        abort(404)
    return render_template("main/index.html", listing=listing)
