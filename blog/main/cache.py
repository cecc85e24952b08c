"""The page cache for logged-out readers, correct across gunicorn workers and nodes.

A single row, ``cache_generations['pages']``, holds a random token that every
write changing what readers see replaces in the same transaction (a session
listener watches posts, comments, tags and authors' names; bulk updates such
as the scheduled-publish sweep call :func:`bump_generation` themselves).
Pages are cached under ``(token, URL)``: each request reads the token (one
indexed single-row query), so a publish committed by any process is seen by
the next request to every other process, and stale entries are simply never
asked for again. A random token rather than a counter cannot repeat after a
database is restored from a backup.

Rendered pages live in this process's memory (a small LRU), or in Redis when
``CACHE_REDIS_URL`` is set so that workers and nodes share what they render.
Only anonymous GET requests without pending flash messages are cached, so
per-user parts of a page (the nav's account links, the post actions) are never
shown to someone else. Entries also expire after ``PAGE_CACHE_SECONDS`` so
that "3 hours ago" stays roughly right.

Two doors lead to a cached page:

* :class:`CachedPagesMiddleware` wraps the WSGI app and answers GET requests
  that carry no cookie and no ``Authorization`` header (such a request cannot
  be anyone's session) before Flask builds a request context: one query and a
  lookup. It also stores what Flask rendered on a miss, with the final headers
  that every ``after_request`` hook added (security headers included).
* :func:`cached_page` decorates the views, for anonymous readers who do carry a
  cookie (a CSRF token from the login page): it checks ``current_user`` and
  pending flash messages, serves hits, and marks misses to be stored.

Cache hits on the first door skip Flask's ``before_request`` hooks, rate limits included.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections import OrderedDict
from functools import wraps

from flask import Flask, current_app, make_response, request, session
from flask_login import current_user
from sqlalchemy import event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from werkzeug.wrappers import Request

from blog.extensions import db
from blog.models import CacheGeneration, Comment, Post, SlugRedirect, Tag, User
from blog.throttle import warn_throttled

log = logging.getLogger(__name__)

GENERATION = "pages"
# The navigation's static pages change rarely: their own token, read in the same statement, lets each
# process keep the list until one changes. 0 (or no row) means no page is in the navigation.
NAV_GENERATION = "nav"
_CONTENT = (Post, Comment, Tag, SlugRedirect)
_SHOWN_USER_FIELDS = ("username", "display_name")
_ENVIRON_KEY = "blog.page_generation"
_NAV_ENVIRON_KEY = "blog.nav_generation"
_STORE_KEY = "blog.page_cache_store"  # set by cached_page on a miss: the middleware stores the response
_UNCACHED_HEADERS = {"set-cookie", "content-length", "x-cache"}
_TOKENS = CacheGeneration.__table__.c
_GENERATION_QUERY = select(_TOKENS.name, _TOKENS.value).where(_TOKENS.name.in_((GENERATION, NAV_GENERATION)))
_BUMP = "page_cache_bump"  # key in Session.info: this flush changed what readers see


def init_app(app: Flask) -> None:
    """Choose the store and watch every session for writes (the factory installs ``CachedPagesMiddleware``)."""
    url = app.config.get("CACHE_REDIS_URL")
    app.extensions["page_cache"] = RedisStore(url) if url else LocalStore(app.config["PAGE_CACHE_ENTRIES"])
    if not event.contains(Session, "before_flush", _note_content_changes):
        event.listen(Session, "before_flush", _note_content_changes)
        event.listen(Session, "after_flush", _bump_after_flush)


def generation() -> int:
    """Return the current generation token (read once per request)."""
    # Kept on the request, not on ``g``: an app context can outlive a request (tests, CLI).
    if _ENVIRON_KEY not in request.environ or _NAV_ENVIRON_KEY not in request.environ:
        _read_tokens(db.session.connection(), request.environ)
    return request.environ[_ENVIRON_KEY]


def nav_generation() -> int:
    """Return the navigation's token (read with the generation, once per request); 0: no pages."""
    generation()
    return request.environ[_NAV_ENVIRON_KEY]


def _read_tokens(connection, environ) -> None:
    tokens = dict(connection.execute(_GENERATION_QUERY).all())
    environ[_ENVIRON_KEY] = tokens.get(GENERATION) or 0
    environ[_NAV_ENVIRON_KEY] = tokens.get(NAV_GENERATION) or 0


def bump_generation(connection, name: str = GENERATION, token: int | None = None) -> None:
    """Replace the generation token (or another, ``name``) on ``connection``, in the caller's transaction."""
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(CacheGeneration)
    token = random.getrandbits(31) if token is None else token  # fits the INTEGER column on every database
    connection.execute(
        insert.values(name=name, value=token).on_conflict_do_update(index_elements=["name"], set_={"value": token})
    )


def store():
    return current_app.extensions["page_cache"]


def cached_page(view):
    """Serve the view from the page cache to anonymous readers; fill it on a miss."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        key = f"{generation()}:{request.full_path}"
        hit = store().get(key)
        if hit is not None:
            headers, body = hit
            # Only the type: this request's own after_request hooks add the rest again.
            content_type = next(value for name, value in headers if name.lower() == "content-type")
            response = current_app.response_class(body, content_type=content_type)
            response.headers["X-Cache"] = "hit"
            return response
        request.environ[_STORE_KEY] = key
        response = make_response(view(*args, **kwargs))
        response.headers["X-Cache"] = "miss"
        return response

    return wrapper


def _cacheable() -> bool:
    return (
        current_app.config["PAGE_CACHE_ENABLED"]
        and request.method == "GET"
        and not current_user.is_authenticated
        and "_flashes" not in session
    )


def _note_content_changes(session: Session, _context, _instances) -> None:
    if any(isinstance(obj, _CONTENT) for obj in (*session.new, *session.deleted)) or any(
        _changes_pages(obj) for obj in session.dirty
    ):
        session.info[_BUMP] = True


def _changes_pages(obj) -> bool:
    if isinstance(obj, _CONTENT):
        return True
    if isinstance(obj, User):
        state = inspect(obj)
        return any(state.attrs[name].history.has_changes() for name in _SHOWN_USER_FIELDS)
    return False


def _bump_after_flush(session: Session, _context) -> None:
    if session.info.pop(_BUMP, False):
        bump_generation(session.connection())


class CachedPagesMiddleware:
    """Answer cookie-less GETs from the page cache before Flask; store the pages Flask marks on a miss."""

    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self._engine = None

    def __call__(self, environ, start_response):
        if self._anonymous_get(environ):
            hit = self._lookup(environ)
            if hit is not None:
                headers, body = hit
                start_response("200 OK", [*headers, ("Content-Length", str(len(body))), ("X-Cache", "hit")])
                return [body]
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        app_iter = self.wsgi_app(environ, capture)
        key = environ.get(_STORE_KEY)
        if key is None or not captured.get("status", "").startswith("200"):
            return app_iter
        try:
            body = b"".join(app_iter)
        finally:
            if hasattr(app_iter, "close"):
                app_iter.close()
        headers = [(name, value) for name, value in captured["headers"] if name.lower() not in _UNCACHED_HEADERS]
        self.app.extensions["page_cache"].set(key, (headers, body), self.app.config["PAGE_CACHE_SECONDS"])
        return [body]

    def _anonymous_get(self, environ) -> bool:
        return (
            environ.get("REQUEST_METHOD") == "GET"
            and "HTTP_COOKIE" not in environ
            and "HTTP_AUTHORIZATION" not in environ
            and self.app.config["PAGE_CACHE_ENABLED"]
        )

    def _lookup(self, environ):
        try:
            with self._get_engine().connect() as connection:
                _read_tokens(connection, environ)
        except Exception as exc:  # let Flask answer, with its error page if the database is down
            warn_throttled("database", "database unavailable, answering 503: %s", exc)
            return None
        return self.app.extensions["page_cache"].get(f"{environ[_ENVIRON_KEY]}:{Request(environ).full_path}")

    def _get_engine(self):
        if self._engine is None:
            with self.app.app_context():
                self._engine = db.engine
        return self._engine


class LocalStore:
    """A bounded, thread-safe LRU of rendered pages in this process."""

    def __init__(self, size: int = 512):
        self.size = size
        self._entries: OrderedDict[str, tuple[float, tuple[list, bytes]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key: str, value: tuple[list, bytes], ttl: float) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RedisStore:
    """Rendered pages in Redis, shared by every process and node; Redis expires them."""

    PREFIX = "blog:page:"

    def __init__(self, url: str):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def get(self, key: str):
        try:
            raw = self.redis.get(self.PREFIX + key)
        except Exception as exc:  # a cache that is down only makes pages slower
            warn_throttled("page-cache", "page cache unavailable, serving pages uncached: %s", exc)
            return None
        if raw is None:
            return None
        headers, _, body = raw.partition(b"\n")
        return [tuple(pair) for pair in json.loads(headers)], body

    def set(self, key: str, value: tuple[list, bytes], ttl: float) -> None:
        try:
            self.redis.set(self.PREFIX + key, json.dumps(value[0]).encode() + b"\n" + value[1], ex=max(1, int(ttl)))
        except Exception as exc:  # a cache that is down only makes pages slower
            warn_throttled("page-cache", "page cache unavailable, serving pages uncached: %s", exc)

    def clear(self) -> None:
        for key in self.redis.scan_iter(self.PREFIX + "*"):
            self.redis.delete(key)
