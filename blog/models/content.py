"""Posts, their tags and comments, and the follows that readers keep."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from slugify import slugify
from sqlalchemy import Column, ColumnElement, ForeignKey, Index, String, Text, and_, func
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.extensions import db
from blog.models.base import Model
from blog.models.slugs import title_slug
from blog.models.states import CommentStatus, PostStatus, state_column
from blog.models.types import UTCDateTime, utcnow
from blog.models.user import User

POST_STATUSES = tuple(PostStatus)
COMMENT_STATUSES = tuple(CommentStatus)
SLUG_MAX = 120
DESCRIPTION_MAX = 300
PINNED_MAX = 3

post_tags = db.Table(
    "post_tags",
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # The primary key serves "tags of a post"; this one serves "posts of a tag".
    Index("ix_post_tags_tag_id_post_id", "tag_id", "post_id"),
)


class Tag(Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"

    @staticmethod
    def normalise(name: str) -> str:
        """Return the canonical form of a tag name: lower case, words joined by dashes."""
        return slugify(name, max_length=40, allow_unicode=True)

    @classmethod
    def from_names(cls, names: Iterable[str]) -> list[Tag]:
        """Return the tags for ``names``, creating the missing ones, without duplicates."""
        wanted = list(dict.fromkeys(n for n in map(cls.normalise, names) if n))
        if not wanted:
            return []
        found = {t.name: t for t in db.session.execute(db.select(cls).where(cls.name.in_(wanted))).scalars()}
        for name in wanted:
            if name not in found:
                found[name] = cls(name=name)
                db.session.add(found[name])
        return [found[name] for name in wanted]


class PinError(ValueError):
    """A post cannot be pinned (not published, or the home page has its pins)."""


class Post(Model):
    __tablename__ = "posts"
    __table_args__ = (
        # The home page and feeds: published posts, newest first.
        Index("ix_posts_status_publish_at", "status", "publish_at"),
        Index("ix_posts_author_id_status_publish_at", "author_id", "status", "publish_at"),
        # The home page's pinned posts: at most PINNED_MAX rows have a value.
        Index("ix_posts_pinned_at", "pinned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    # What the author wrote for search engines and link previews; the summary stands in when empty.
    description: Mapped[str] = mapped_column(String(DESCRIPTION_MAX), default="", server_default="")
    reading_minutes: Mapped[int] = mapped_column(default=1, server_default="1")
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[PostStatus] = mapped_column(state_column(PostStatus, 12), default=PostStatus.DRAFT)
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    author: Mapped[User] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, order_by=Tag.name)
    comments: Mapped[list[Comment]] = relationship(
        back_populates="post", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Post {self.slug}>"

    @hybrid_method
    def visible_at(self, moment: datetime) -> bool:
        """Whether readers may see the post at ``moment``: the one rule for pages, feeds, search and mail."""
        return self.status == PostStatus.PUBLISHED and self.publish_at is not None and self.publish_at <= moment

    # mypy binds the Self that hybrid_method.inplace returns through its __get__, a plain function.
    @visible_at.inplace.expression  # type: ignore[attr-defined, untyped-decorator]
    @classmethod
    def _visible_at_expression(cls, moment: datetime) -> ColumnElement[bool]:
        return and_(cls.status == PostStatus.PUBLISHED, cls.publish_at <= moment)

    @property
    def is_public(self) -> bool:
        """Whether readers may see the post now."""
        return self.visible_at(utcnow())

    def set_body(self, markdown_text: str) -> None:
        """Store the Markdown body with its sanitised HTML, first paragraph as text and reading time."""
        from blog.markdown import render_post

        rendered = render_post(markdown_text)
        self.body = markdown_text
        self.body_html = rendered.html
        self.summary = rendered.summary
        self.reading_minutes = rendered.reading_minutes

    def publish(self, at: datetime | None = None) -> None:
        """Make the post public now (or keep the scheduled time if it has passed)."""
        now = utcnow()
        if at is None:
            due = self.status == PostStatus.SCHEDULED and self.publish_at and self.publish_at <= now
            at = self.publish_at if due else now
        self.status = PostStatus.PUBLISHED
        self.publish_at = at

    def schedule(self, at: datetime) -> None:
        """Make the post public at ``at``, a timezone-aware time in the future."""
        if at <= utcnow():
            raise ValueError("a scheduled time must be in the future")
        self.status = PostStatus.SCHEDULED
        self.publish_at = at

    def unpublish(self) -> None:
        self.status = PostStatus.DRAFT
        self.pinned_at = None  # a pin would come back with the post, unasked

    def pin(self) -> None:
        """Pin the post to the top of the home page; raise :class:`PinError` when it cannot be."""
        if self.pinned_at is not None:
            return
        if not self.is_public:
            raise PinError("Only a published post can be pinned.")
        pinned = db.session.execute(db.select(func.count()).where(Post.pinned_at.is_not(None))).scalar_one()
        if pinned >= PINNED_MAX:
            raise PinError(f"At most {PINNED_MAX} posts can be pinned: unpin one first.")
        self.pinned_at = utcnow()

    def unpin(self) -> None:
        self.pinned_at = None

    @property
    def share_description(self) -> str:
        """The description for search engines and link previews: the author's, else the summary."""
        return self.description or self.summary

    def assign_slug(self, wanted: str | None = None) -> None:
        """Give the post the slug ``wanted`` (checked free by the form), or a unique one made from its
        title; keep the old one as a redirect."""
        if wanted:
            if wanted != self.slug:
                self._move_to(wanted)
            return
        base = title_slug(self.title, SLUG_MAX - 8) or "post"
        if self.slug and (self.slug == base or self.slug.startswith(base + "-")):
            return
        self._move_to(_free_slug(base, self.id))

    def _move_to(self, slug: str) -> None:
        old = self.slug
        own = db.session.get(SlugRedirect, slug)
        if own is not None and own.post_id == self.id:
            db.session.delete(own)  # taking back one of its own old slugs
            db.session.flush()
        self.slug = slug
        if old and self.id is not None:
            db.session.add(SlugRedirect(old_slug=old, post_id=self.id))

    @staticmethod
    def slug_taken(slug: str, post_id: int | None) -> bool:
        """Whether another post uses ``slug``, now or as an old slug that still redirects to it."""
        other = db.session.execute(db.select(Post.id).where(Post.slug == slug, Post.id != (post_id or 0))).first()
        redirect = db.session.get(SlugRedirect, slug)
        return other is not None or (redirect is not None and redirect.post_id != post_id)

    @classmethod
    def by_slug(cls, slug: str) -> Post | None:
        """Return the post at ``slug``, following the redirects of renamed posts."""
        post = db.session.execute(db.select(cls).filter_by(slug=slug)).scalar_one_or_none()
        if post is None:
            redirect = db.session.get(SlugRedirect, slug)
            post = redirect.post if redirect else None
        return post


def _free_slug(base: str, post_id: int | None) -> str:
    """Return ``base`` or ``base-N``, whichever is the first not used by another post."""
    taken = set(
        db.session.execute(db.select(Post.slug).where(Post.slug.like(f"{base}%"), Post.id != (post_id or 0))).scalars()
    )
    taken.update(
        db.session.execute(db.select(SlugRedirect.old_slug).where(SlugRedirect.old_slug.like(f"{base}%"))).scalars()
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


class SlugRedirect(Model):
    """An old slug of a renamed post, so that its old URL keeps working."""

    __tablename__ = "slug_redirects"

    old_slug: Mapped[str] = mapped_column(String(SLUG_MAX), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)

    post: Mapped[Post] = relationship()


class Comment(Model):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_post_id_created_at", "post_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CommentStatus] = mapped_column(state_column(CommentStatus, 10), default=CommentStatus.VISIBLE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    post: Mapped[Post] = relationship(back_populates="comments")
    author: Mapped[User] = relationship()

    def set_body(self, markdown_text: str) -> None:
        from blog.markdown import render_plain

        self.body = markdown_text
        self.body_html = render_plain(markdown_text)

    def hide(self) -> None:
        self.status = CommentStatus.HIDDEN

    def show(self) -> None:
        self.status = CommentStatus.VISIBLE


class AuthorFollow(Model):
    """A reader follows an author and hears when they publish."""

    __tablename__ = "author_follows"

    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TagFollow(Model):
    """A reader follows a tag."""

    __tablename__ = "tag_follows"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
