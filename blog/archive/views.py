"""Routes of the ``archive`` blueprint: ``/archive`` and ``/archive/<year>/<month>``."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from blog.archive import queries
from blog.main.cache import cached_page

bp = Blueprint("archive", __name__)


@bp.get("/archive")
@cached_page
def index():
    return render_template("archive/index.html", months=queries.months())


@bp.get("/archive/<int(fixed_digits=4):year>/<int(fixed_digits=2):month>")
@cached_page
def month(year: int, month: int):
    found = queries.month_range(year, month) or abort(404)
    page = request.args.get("page", 1, type=int)
    if not 1 <= page <= 100_000:
        abort(404)
    listing = queries.month_page(*found, page)
    if not listing.posts:
        abort(404)  # an empty month, or a page past its last
    return render_template("archive/month.html", listing=listing, start=found[0], year=year, month=month)
