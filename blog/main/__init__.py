"""Reading: the home page, posts, tags, authors, search and feeds, and the page cache in front of them."""

from flask import Flask, g

from blog.main import cache, search_index, views
from blog.models import Post
from blog.permissions import EditPostPermission, write_permission


def init_app(app: Flask) -> None:
    """Choose the page cache's store and follow every write; add the link and permission helpers to templates.

    The cache's WSGI door (``cache.CachedPagesMiddleware``) is listed in the factory with the other middleware.
    """
    cache.init_app(app)
    search_index.init_app(app)  # posts written through the ORM are indexed in the same flush
    app.jinja_env.globals.update(cached_url=views.cached_url, can_write=_can_write, can_edit=_can_edit)


# An error raised before Flask-Principal loads the identity (a CSRF failure) still renders the layout.
def _can_write() -> bool:
    return "identity" in g and write_permission.can()


def _can_edit(post: Post) -> bool:
    return "identity" in g and EditPostPermission(post).can()
