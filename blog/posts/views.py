"""Routes of the ``posts`` blueprint: the editor, its preview, deleting posts and commenting."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from blog.auth.limits import comment_by_address, comment_by_user, preview_by_author
from blog.main import queries
from blog.markdown import render_markdown
from blog.models import PinError, Post, PostStatus
from blog.permissions import EditPostPermission, comment_permission, moderate_permission, require, write_permission
from blog.posts import services
from blog.posts.forms import BODY_MAX, CommentForm, PostForm

bp = Blueprint("posts", __name__)


def _editable(slug: str) -> Post:
    """The post at ``slug`` (or an old slug of it) if the current user may edit it: else 404 or 403."""
    post = Post.by_slug(slug) or abort(404)
    if not EditPostPermission(post).can():
        abort(403)
    return post


@bp.route("/post/new", methods=["GET", "POST"])
@require(write_permission)
def new():
    form = PostForm()
    if form.validate_on_submit():
        post = services.save_post(None, author=current_user, by=current_user, **form.values())
        flash(_saved_message(post), "success")
        return redirect(url_for("main.post", slug=post.slug))
    return render_template("posts/edit.html", form=form, post=None)


@bp.route("/post/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str):
    post = _editable(slug)
    form = PostForm(data=PostForm.data_of(post), post=post)
    if form.validate_on_submit():
        services.save_post(post, author=post.author, by=current_user, **form.values())
        flash(_saved_message(post), "success")
        return redirect(url_for("main.post", slug=post.slug))
    return render_template("posts/edit.html", form=form, post=post)


@bp.post("/post/<slug>/delete")
@login_required
def delete(slug: str):
    post = _editable(slug)
    services.delete_post(post)
    flash(f"“{post.title}” is deleted.", "info")
    return redirect(url_for("main.index"))


@bp.post("/post/<slug>/pin")
@require(moderate_permission)
def pin(slug: str):
    post = Post.by_slug(slug) or abort(404)
    try:
        services.pin_post(post)
    except PinError as refused:
        flash(str(refused), "error")
    else:
        flash(f"“{post.title}” is pinned to the top of the home page.", "success")
    return redirect(url_for("main.post", slug=post.slug), 303)


@bp.post("/post/<slug>/unpin")
@require(moderate_permission)
def unpin(slug: str):
    post = Post.by_slug(slug) or abort(404)
    services.unpin_post(post)
    flash(f"“{post.title}” is no longer pinned.", "info")
    return redirect(url_for("main.post", slug=post.slug), 303)


@bp.post("/post/preview")
@require(write_permission)
@preview_by_author
def preview():
    body = (request.get_json(silent=True) or {}).get("body", "")
    if not isinstance(body, str) or len(body) > BODY_MAX:
        abort(400, f"The text must be a string of at most {BODY_MAX:,} characters.")
    return jsonify(html=render_markdown(body))


@bp.post("/post/<slug>/comments")
@comment_by_address
@comment_by_user
@require(comment_permission)
def comment(slug: str):
    found = queries.post_with_comments(slug)
    if found is None or not (found.post.is_public or EditPostPermission(found.post).can()):
        abort(404)
    form = CommentForm()
    if form.validate_on_submit():
        services.add_comment(found.post, current_user, form.body.data)
        flash("Thank you: your comment is published.", "success")
        return redirect(url_for("main.post", slug=found.post.slug, _anchor="comments"))
    return render_template("main/post.html", post=found.post, comments=found.comments, form=form), 400


def _saved_message(post: Post) -> str:
    if post.status == PostStatus.SCHEDULED:
        return f"Saved. “{post.title}” will be published on {post.publish_at:%Y-%m-%d at %H:%M} UTC."
    if post.status == PostStatus.DRAFT:
        return f"Draft “{post.title}” saved. Only you and the editors can see it."
    return f"“{post.title}” is published."
