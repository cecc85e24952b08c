"""Error pages in the site's layout, or JSON for clients that ask for it."""

from __future__ import annotations

from contextlib import suppress

from flask import Flask, current_app, g, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from blog.database import schema_missing
from blog.extensions import db
from blog.throttle import warn_throttled

#: Seconds a client is told to wait when the database is down, locked or not set up.
DATABASE_RETRY_AFTER = 5

MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have permission to do that.",
    404: "There is nothing at this address.",
    405: "That method is not allowed here.",
    413: "What you sent is too large.",
    429: "Too many requests; please wait a little and try again.",
    500: "Something went wrong on our side. It has been logged.",
    503: "The site cannot reach its database right now; please try again in a moment.",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
    app.register_error_handler(OperationalError, handle_database_error)
    app.register_error_handler(PoolTimeout, handle_database_error)


def wants_json() -> bool:
    """True for API paths and for clients that prefer JSON to HTML."""
    if request.path.startswith("/api/"):
        return True
    accept = request.accept_mimetypes
    return accept["application/json"] > accept["text/html"]


def handle_http_error(error: HTTPException):
    """Render ``error`` in the layout (or as JSON), keeping its headers such as Retry-After."""
    code = error.code or 500
    message = MESSAGES.get(code, error.description)
    # Views may raise abort(400, "what was wrong"); say it rather than the generic text.
    if error.description and error.description != type(error).description and code < 500:
        message = error.description
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if wants_json():
        return jsonify(error=error.name, message=message, status=code), code, headers
    return render_template("errors/error.html", code=code, name=error.name, message=message), code, headers


def handle_unexpected_error(error: Exception):
    """Log the traceback, roll back, and show the friendly 500 page (a 503 for a missing schema)."""
    if isinstance(error, DBAPIError) and schema_missing(error):
        return handle_database_error(error)
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return handle_http_error(InternalServerError())


def handle_database_error(error: Exception):
    """Answer 503 with Retry-After while the database is down, locked or not migrated yet."""
    if schema_missing(error):
        warn_throttled("database-schema", "the database has no tables; run: python manage.py db upgrade")
    else:
        warn_throttled("database", "database unavailable, answering 503: %s", getattr(error, "orig", error))
    # The connection is gone; the pool replaces it on the next checkout.
    with suppress(Exception):
        db.session.rollback()
    # The layout asks for current_user; loading (or refreshing) it would query the database again.
    g._login_user = current_app.login_manager.anonymous_user()
    return handle_http_error(ServiceUnavailable(retry_after=DATABASE_RETRY_AFTER))
