"""Routes of the ``revisions`` blueprint: a post's revisions, a diff of two, restoring one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from blog.models import Post
from blog.permissions import EditPostPermission
from blog.posts import services as post_services
from blog.revisions import services

bp = Blueprint("revisions", __name__)


def _editable(slug: str) -> Post:
    """The post at ``slug`` if the current user may edit it (its author or an editor): else 404 or 403."""
    post = Post.by_slug(slug) or abort(404)
    if not EditPostPermission(post).can():
        abort(403)
    return post


def _revision(post: Post, revision_id) -> object:
    return services.revision_of(post, revision_id) if revision_id is not None else None


@bp.get("/post/<slug>/revisions")
@login_required
def index(slug: str):
    post = _editable(slug)
    return render_template("revisions/index.html", post=post, revisions=services.revisions_of(post))


@bp.get("/post/<slug>/revisions/diff")
@login_required
def diff(slug: str):
    post = _editable(slug)
    old = _revision(post, request.args.get("from", type=int)) or abort(404)
    new = _revision(post, request.args.get("to", type=int)) or abort(404)
    return render_template("revisions/diff.html", post=post, old=old, new=new, lines=services.diff(old, new))


@bp.post("/post/<slug>/revisions/<int:revision_id>/restore")
@login_required
def restore(slug: str, revision_id: int):
    post = _editable(slug)
    revision = _revision(post, revision_id) or abort(404)
    post_services.restore_revision(post, revision, current_user)
    flash(f"Revision #{revision.id} is restored, as a new revision.", "success")
    return redirect(url_for("main.post", slug=post.slug), 303)
