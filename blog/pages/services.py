"""Writes on static pages; each refreshes the navigation and the page cache in its commit."""

from __future__ import annotations

from blog.extensions import db
from blog.models import Page
from blog.pages import navigation


def save_page(page: Page | None, *, title: str, slug: str, body: str, in_nav: bool, nav_order: int) -> Page:
    """Create (``page`` None) or update a page. Commits."""
    page = page or Page()
    page.title, page.slug, page.in_nav, page.nav_order = title, slug, in_nav, nav_order
    page.set_body(body)
    db.session.add(page)
    navigation.refresh(db.session)
    db.session.commit()
    return page


def delete_page(page: Page) -> None:
    """Delete ``page``. Commits."""
    db.session.delete(page)
    navigation.refresh(db.session)
    db.session.commit()
