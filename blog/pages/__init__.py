"""Static pages (About, Contact…): Markdown like posts, under ``/p/<slug>``, in the navigation."""

from flask import Flask

from blog.pages.navigation import nav_pages


def init_app(app: Flask) -> None:
    """Give the layout ``nav_pages()``: the pages shown in the navigation, in their order."""
    app.jinja_env.globals.update(nav_pages=nav_pages)
