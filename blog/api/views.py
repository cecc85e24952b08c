"""Routes of the ``api`` blueprint."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import text

from blog.announcements import services as announcements
from blog.api import services
from blog.extensions import csrf, db
from blog.models import Announcement

bp = Blueprint("api", __name__)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
csrf.exempt(bp)


@bp.get("/health")
def health():
    """Answer 200 when the web process can reach its database (for load balancers)."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


def _caller(scope: str):
    """The user behind the request's bearer token (if it has ``scope``), else the logged-in user; else 401.

    A browser sends the session cookie with cross-site requests too, so a
    cookie alone may only read: a write also needs the page's CSRF token in
    the ``X-CSRFToken`` header.
    """
    token = services.token_for_bearer(request.headers.get("Authorization"))
    if token is not None:
        if not token.allows(scope):
            abort(403, f"This token may not do that: it needs the scope {scope}.")
        return token.user
    user = None
    if current_user.is_authenticated:
        if request.method not in SAFE_METHODS:
            try:
                csrf.protect()
            except CSRFError:
                abort(403, "With a session cookie, send the page's CSRF token in X-CSRFToken; or use a bearer token.")
        user = current_user
    if user is None:
        abort(401, "Send a valid, unexpired API token: Authorization: Bearer <token> (create one at /account/tokens).")
    return user


@bp.post("/mail")
def push_mail():
    """Queue a message to explicit recipients (admins only); answer 202 with its id."""
    user = _caller("mail:send")
    if not user.has_role("admin"):
        abort(403, "Only an admin's token may send mail.")
    data = request.get_json(silent=True)
    if data is None:
        abort(400, "The body is not valid JSON (send Content-Type: application/json).")
    try:
        to, subject, body = services.parse_mail_request(data)
    except services.InvalidRequest as error:
        abort(400, str(error))
    sent = announcements.announce(subject, body, sender=user, recipients=to)
    status_url = url_for(".task_state", task_id=sent.id)
    return jsonify(id=sent.id, state="queued", status_url=status_url), 202, {"Location": status_url}


@bp.get("/tasks/<int:task_id>")
def task_state(task_id: int):
    """The delivery state of a pushed message, for its sender or an admin."""
    user = _caller("tasks:read")
    record = db.session.get(Announcement, task_id)
    if record is None or (record.created_by_id != user.id and not user.has_role("admin")):
        abort(404, "There is no task with that id that you may see.")
    return jsonify(announcements.progress(record))
