"""The navigation's pages, kept in each process until the navigation's token changes.

The token is read with the page cache's generation in one statement, so the layout costs no
query of its own while no page changes; 0 means that no page is in the navigation at all.
"""

from __future__ import annotations

import threading

from flask import has_request_context
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from blog.extensions import db
from blog.main import cache
from blog.models import Page

_memo: dict[int, list[tuple[str, str]]] = {}
_lock = threading.Lock()
_NAV_QUERY = select(Page.slug, Page.title).where(Page.in_nav.is_(True)).order_by(Page.nav_order, Page.title)


def nav_pages() -> list[tuple[str, str]]:
    """(slug, title) of the pages in the navigation, in their order."""
    if not has_request_context():
        return []
    try:
        token = cache.nav_generation()
    except SQLAlchemyError:
        # The layout of an error page (the database is down, the schema missing) must still render.
        db.session.rollback()
        return []
    if token == 0:
        return []
    found = _memo.get(token)
    if found is None:
        found = [tuple(row) for row in db.session.execute(_NAV_QUERY)]
        with _lock:
            _memo.clear()  # only the current token is ever asked for again
            _memo[token] = found
    return found


def refresh(session) -> None:
    """Give the navigation a new token in ``session``'s transaction (0 when no page is in it)."""
    session.flush()
    shown = session.execute(select(Page.id).where(Page.in_nav.is_(True)).limit(1)).first()
    connection = session.connection()
    cache.bump_generation(connection, cache.NAV_GENERATION, token=None if shown else 0)
    cache.bump_generation(connection)  # every cached page shows the navigation
