"""Routes of the ``announcements`` blueprint: admins write one message to many readers and watch it go out."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from blog.announcements import services
from blog.announcements.forms import AnnouncementForm
from blog.extensions import db
from blog.models import Announcement
from blog.permissions import admin_permission, require

bp = Blueprint("announcements", __name__)


@bp.route("", methods=["GET", "POST"])
@require(admin_permission)
def index():
    form = AnnouncementForm()
    if form.validate_on_submit():
        sent = services.announce(form.subject.data, form.body.data, audience=form.audience.data, sender=current_user)
        flash(f"Announcement queued to {sent.total} recipients.", "success")
        return redirect(url_for(".announcement", announcement_id=sent.id))
    recent = db.session.execute(db.select(Announcement).order_by(Announcement.id.desc()).limit(20)).scalars()
    return render_template("announcements/index.html", form=form, recent=[services.progress(a) for a in recent])


@bp.get("/<int:announcement_id>")
@require(admin_permission)
def announcement(announcement_id: int):
    record = db.session.get(Announcement, announcement_id) or abort(404)
    progress = services.progress(record)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(progress)
    return render_template("announcements/announcement.html", announcement=record, progress=progress)
