"""Multi-step writes on posts and comments."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from blog.after_commit import enqueue_after_commit
from blog.extensions import db
from blog.main.cache import bump_generation
from blog.models import Comment, Post, PostStatus, Tag, User, utcnow
from blog.revisions.services import keep_revision

PUBLISH_POST = "blog.posts.tasks.publish_post"


def save_post(
    post: Post | None,
    *,
    author: User,
    title: str,
    body: str,
    tag_names: list[str],
    status: PostStatus,
    publish_at: datetime | None = None,
    slug: str | None = None,
    description: str = "",
    by: User | None = None,
) -> Post:
    """Create (``post`` None) or update a post; schedule its publication if asked. Commits.

    ``slug`` is one the form checked free; None or the current one keeps the slug, or makes one from a
    new title as before. A save of a published post keeps a revision made ``by`` (default the author).
    """
    tags = Tag.from_names(tag_names)
    if post is None:
        # Not in the session until it has a slug: queries below autoflush.
        post = Post(author_id=author.id)
    # A new title moves the slug as before, unless the author chose one; a text edit keeps it.
    follow_title = post.slug is None or post.title != title
    wanted = slug if slug and slug != post.slug else None
    post.title = title
    post.description = description
    post.set_body(body)
    post.tags = tags
    _apply_status(post, status, publish_at)
    if wanted or follow_title:
        post.assign_slug(wanted)
    db.session.add(post)
    db.session.flush()
    keep_revision(post, by or author)
    if post.status == PostStatus.SCHEDULED and post.publish_at <= utcnow() + _eta_horizon():
        # The sweep (publish_due_posts) covers a lost task, a broker that is down, and posts
        # scheduled beyond the horizon, which would outlive the broker's visibility timeout.
        enqueue_after_commit(db.session, PUBLISH_POST, post.id, eta=post.publish_at)
    db.session.commit()
    return post


def _eta_horizon() -> timedelta:
    return timedelta(seconds=current_app.config["CELERY_VISIBILITY_TIMEOUT"])


def _apply_status(post: Post, status: str, publish_at: datetime | None) -> None:
    if status == PostStatus.PUBLISHED:
        if post.status != PostStatus.PUBLISHED:
            post.publish()
    elif status == PostStatus.SCHEDULED:
        post.schedule(publish_at)
    else:
        post.unpublish()


def restore_revision(post: Post, revision, by: User) -> Post:
    """Make ``revision``'s title, text and tags the post's again (itself a new revision). Commits."""
    return save_post(
        post,
        author=post.author,
        title=revision.title,
        body=revision.body,
        tag_names=revision.tag_names,
        status=post.status,
        publish_at=post.publish_at if post.status == PostStatus.SCHEDULED else None,
        slug=post.slug,
        description=post.description,
        by=by,
    )


def pin_post(post: Post) -> None:
    """Pin ``post`` to the top of the home page (raises ``PinError`` when it cannot be). Commits."""
    post.pin()
    db.session.commit()  # a change to a post: the page cache's generation moves on in this commit


def unpin_post(post: Post) -> None:
    """Take ``post`` off the top of the home page. Commits."""
    post.unpin()
    db.session.commit()


def delete_post(post: Post) -> None:
    """Delete ``post`` with its comments and old slugs. Commits."""
    db.session.delete(post)
    db.session.commit()


def add_comment(post: Post, author: User, body: str) -> Comment:
    """Add a visible comment by ``author`` to ``post``. Commits."""
    comment = Comment(post_id=post.id, author_id=author.id)
    comment.set_body(body)
    db.session.add(comment)
    db.session.commit()
    return comment


def publish_due_posts() -> int:
    """Publish scheduled posts whose time has passed; return how many changed."""
    # One conditional update: two sweeps at once cannot publish a post twice.
    changed = db.session.execute(
        update(Post)
        .where(Post.status == PostStatus.SCHEDULED, Post.publish_at <= utcnow())
        .values(status=PostStatus.PUBLISHED)
    ).rowcount
    if changed:
        bump_generation(db.session.connection())
    db.session.commit()
    return changed


def publish_if_due(post_id: int) -> bool:
    """Publish the scheduled post ``post_id`` if its time has come; return whether it changed."""
    changed = db.session.execute(
        update(Post)
        .where(Post.id == post_id, Post.status == PostStatus.SCHEDULED, Post.publish_at <= utcnow())
        .values(status=PostStatus.PUBLISHED)
    ).rowcount
    if changed:
        bump_generation(db.session.connection())
    db.session.commit()
    return bool(changed)
