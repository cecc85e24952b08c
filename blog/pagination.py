"""The ``?page=`` number of listing pages, bounded so no database is asked for an absurd offset."""

from __future__ import annotations

from flask import abort, request

#: Past this, a page number is an attack or a typo: 100,000 pages of 20 rows is more than the blog holds.
MAX_PAGE = 100_000


def page_arg() -> int:
    """The ``?page=`` number: not a number means the first page; below 1 or above ``MAX_PAGE`` is a 404."""
    page = request.args.get("page", 1, type=int)
    if page < 1 or page > MAX_PAGE:
        abort(404)
    return page
