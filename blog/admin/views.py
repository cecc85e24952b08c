"""Routes of the ``admin`` blueprint: users and roles for admins, comment moderation for editors."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from blog.admin import services
from blog.admin.forms import RolesForm
from blog.extensions import db
from blog.models import AuthorRequest, Comment, RoleChange, User
from blog.pagination import page_arg
from blog.permissions import admin_permission, moderate_permission, require

bp = Blueprint("admin", __name__)


@bp.get("/")
@require(admin_permission)
def index():
    query = request.args.get("q", "")[:100]
    users = services.search_users(query, page_arg())
    return render_template("admin/index.html", users=users, query=query, requests=services.pending_author_requests())


@bp.get("/users/<int:user_id>")
@require(admin_permission)
def user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RolesForm(formdata=None, data={"roles": [role.name for role in user.roles]})
    history = db.session.execute(
        db.select(RoleChange).filter_by(user_id=user.id).order_by(RoleChange.created_at.desc()).limit(20)
    ).scalars()
    return render_template("admin/user.html", user=user, form=form, history=list(history))


@bp.post("/users/<int:user_id>/roles")
@require(admin_permission)
def user_roles(user_id: int):
    user = db.get_or_404(User, user_id)
    form = RolesForm()
    if not form.validate():
        abort(400, "Choose roles from the list.")
    try:
        changes = services.set_roles(current_user, user, set(form.roles.data or ()))
    except services.AdminRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("admin.user", user_id=user.id))
    summary = ", ".join(f"{'+' if c.action == 'add' else '-'}{c.role}" for c in changes) or "no change"
    flash(f"Roles of {user.username} saved ({summary}).", "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.post("/users/<int:user_id>/<any(deactivate, reactivate):action>")
@require(admin_permission)
def user_active(user_id: int, action: str):
    user = db.get_or_404(User, user_id)
    try:
        if action == "deactivate":
            services.deactivate(current_user, user)
        else:
            services.reactivate(user)
    except services.AdminRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("admin.user", user_id=user.id))
    flash(f"{user.username} is {action}d.", "success")
    return redirect(url_for("admin.user", user_id=user.id))


@bp.get("/roles/log")
@require(admin_permission)
def role_log():
    return render_template("admin/role_log.html", changes=services.role_changes(page_arg()))


@bp.post("/requests/<int:request_id>/<any(approve, decline):decision>")
@require(admin_permission)
def author_request(request_id: int, decision: str):
    author_request = db.get_or_404(AuthorRequest, request_id)
    try:
        services.decide_author_request(current_user, author_request, decision == "approve")
    except services.AdminRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("admin.index"))
    verb = "approved" if decision == "approve" else "declined"
    flash(f"The request of {author_request.user.username} is {verb}; they will get an e-mail.", "success")
    return redirect(url_for("admin.index"))


@bp.get("/moderation")
@require(moderate_permission)
def moderation():
    status = request.args.get("status")
    comments = services.comments_for_moderation(status, page_arg())
    return render_template("admin/moderation.html", comments=comments, status=status)


@bp.post("/comments/<int:comment_id>/<any(hide, show):action>")
@require(moderate_permission)
def comment_status(comment_id: int, action: str):
    comment = db.get_or_404(Comment, comment_id)
    comment.hide() if action == "hide" else comment.show()
    db.session.commit()
    flash(f"The comment is {'hidden' if action == 'hide' else 'shown again'}.", "success")
    return redirect(request.form.get("back") if _local(request.form.get("back")) else url_for("admin.moderation"))


def _local(target: str | None) -> bool:
    return bool(target) and target.startswith("/admin/moderation")
