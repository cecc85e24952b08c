"""Routes of the ``mail`` blueprint: the outbox page for admins, with a retry button."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from blog.extensions import db
from blog.jobs import heartbeats
from blog.mail.overview import outbox_counts, retry_message
from blog.models import OutboxMessage, OutboxStatus
from blog.pagination import page_arg
from blog.permissions import admin_permission, require

bp = Blueprint("mail", __name__)
PAGE_SIZE = 50


@bp.get("")
@require(admin_permission)  # type: ignore[untyped-decorator]  # blog.permissions is not annotated
def outbox() -> str:
    status, kind = _status_filter(request.args.get("status")), request.args.get("kind") or None
    query = db.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    query = query.filter_by(status=status) if status else query
    query = query.filter_by(kind=kind) if kind else query
    rows = db.paginate(query, page=page_arg(), per_page=PAGE_SIZE, error_out=False)
    kinds = db.session.execute(db.select(OutboxMessage.kind).distinct().order_by(OutboxMessage.kind)).scalars()
    return render_template(
        "mail/outbox.html",
        rows=rows,
        status=status,
        kind=kind,
        kinds=list(kinds),
        statuses=tuple(OutboxStatus),
        counts=outbox_counts(),
        alive=heartbeats.workers_look_alive(),
        beat=heartbeats.last_run(heartbeats.SWEEP_HEARTBEAT),
    )


@bp.post("/<int:message_id>/retry")
@require(admin_permission)  # type: ignore[untyped-decorator]  # blog.permissions is not annotated
def retry(message_id: int) -> Response:
    if not retry_message(message_id):
        abort(404, "There is no failed or canceled message with that id.")
    flash(f"Message {message_id} is queued again.", "success")
    return redirect(url_for(".outbox", status=request.args.get("status"), kind=request.args.get("kind")))


def _status_filter(value: str | None) -> OutboxStatus | None:
    """The state asked for in ``?status=``, or None for all; a 400 for a state that does not exist."""
    if not value:
        return None
    try:
        return OutboxStatus(value)
    except ValueError:
        abort(400, f"unknown state {value!r}; choose one of {', '.join(OutboxStatus)}")
