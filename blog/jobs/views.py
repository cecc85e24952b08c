"""Routes of the ``jobs`` blueprint: the outbox and announcements pages for admins."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from blog.extensions import db
from blog.jobs import announcements, services
from blog.jobs.forms import AnnouncementForm
from blog.models import Announcement, OutboxMessage
from blog.models.jobs import OUTBOX_STATUSES
from blog.pagination import page_arg
from blog.permissions import admin_permission, require

bp = Blueprint("jobs", __name__)
PAGE_SIZE = 50


@bp.get("/mail")
@require(admin_permission)
def outbox():
    status, kind = request.args.get("status") or None, request.args.get("kind") or None
    if status is not None and status not in OUTBOX_STATUSES:
        abort(400, f"unknown state {status!r}; choose one of {', '.join(OUTBOX_STATUSES)}")
    page = page_arg()
    query = db.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    query = query.filter_by(status=status) if status else query
    query = query.filter_by(kind=kind) if kind else query
    rows = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    kinds = db.session.execute(db.select(OutboxMessage.kind).distinct().order_by(OutboxMessage.kind)).scalars()
    return render_template(
        "jobs/outbox.html",
        rows=rows,
        status=status,
        kind=kind,
        kinds=list(kinds),
        statuses=OUTBOX_STATUSES,
        counts=services.outbox_counts(),
        alive=services.workers_look_alive(),
        beat=services.last_run(services.SWEEP_HEARTBEAT),
    )


@bp.post("/mail/<int:message_id>/retry")
@require(admin_permission)
def retry(message_id: int):
    if not services.retry_message(message_id):
        abort(404, "There is no failed or canceled message with that id.")
    flash(f"Message {message_id} is queued again.", "success")
    return redirect(url_for(".outbox", status=request.args.get("status"), kind=request.args.get("kind")))


@bp.route("/announcements", methods=["GET", "POST"])
@require(admin_permission)
def announcements_page():
    form = AnnouncementForm()
    if form.validate_on_submit():
        sent = announcements.announce(
            form.subject.data, form.body.data, audience=form.audience.data, sender=current_user
        )
        flash(f"Announcement queued to {sent.total} recipients.", "success")
        return redirect(url_for(".announcement", announcement_id=sent.id))
    recent = db.session.execute(db.select(Announcement).order_by(Announcement.id.desc()).limit(20)).scalars()
    return render_template("jobs/announcements.html", form=form, recent=[announcements.progress(a) for a in recent])


@bp.get("/announcements/<int:announcement_id>")
@require(admin_permission)
def announcement(announcement_id: int):
    record = db.session.get(Announcement, announcement_id) or abort(404)
    progress = announcements.progress(record)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(progress)
    return render_template("jobs/announcement.html", announcement=record, progress=progress)
