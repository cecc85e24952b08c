"""Forms for writing: the post editor and the comment form, with the size limits of the README."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_wtf import FlaskForm
from slugify import slugify
from wtforms import DateTimeLocalField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from blog.models import Post, PostStatus, Tag, utcnow
from blog.models.content import DESCRIPTION_MAX, SLUG_MAX
from blog.text import xml_safe

TITLE_MAX = 200
BODY_MAX = 100_000
TAGS_MAX = 10
TAG_MAX = 40
TAGS_FIELD_MAX = 500
COMMENT_MAX = 5_000
STATUS_CHOICES = [
    SelectChoice(PostStatus.DRAFT, "Draft"),
    SelectChoice(PostStatus.PUBLISHED, "Published"),
    SelectChoice(PostStatus.SCHEDULED, "Scheduled"),
]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


_INPUT = [xml_safe, _strip]  # control characters would make the feeds invalid XML


def split_tags(raw: str | None) -> list[str]:
    """Return the tag names typed in a comma-separated field, without empties."""
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


class PostForm(FlaskForm):
    title = StringField(
        "Title",
        filters=_INPUT,
        validators=[
            InputRequired("Give the post a title."),
            Length(max=TITLE_MAX, message=f"The title can be at most {TITLE_MAX} characters long."),
        ],
    )
    body = TextAreaField(
        "Text (Markdown)",
        filters=[xml_safe],
        validators=[
            InputRequired("Write something in the post."),
            Length(max=BODY_MAX, message=f"The text can be at most {BODY_MAX:,} characters long."),
        ],
    )
    tags = StringField(
        "Tags",
        filters=_INPUT,
        description="Comma separated, e.g. flask, python",
        validators=[
            Length(max=TAGS_FIELD_MAX, message=f"The tags can be at most {TAGS_FIELD_MAX} characters long."),
        ],
    )
    slug = StringField(
        "Slug",
        filters=[_strip],
        description="The post's address, /post/<slug>. Leave it empty to make one from the title.",
        validators=[Length(max=SLUG_MAX, message=f"The slug can be at most {SLUG_MAX} characters long.")],
    )
    description = TextAreaField(
        "Summary for search engines and sharing",
        filters=[_strip],
        description="Optional; the first paragraph is used when empty.",
        validators=[
            Length(max=DESCRIPTION_MAX, message=f"The summary can be at most {DESCRIPTION_MAX} characters long.")
        ],
    )
    status = SelectField("Status", choices=STATUS_CHOICES, default=PostStatus.DRAFT)
    publish_at = DateTimeLocalField(
        "Publish at (UTC)", validators=[Optional()], description="Only for scheduled posts."
    )

    def __init__(self, *args, post: Post | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.post = post

    def validate_slug(self, field) -> None:
        if not field.data:
            return
        slug = slugify(field.data, max_length=SLUG_MAX)
        if not slug:
            raise ValidationError("A slug needs at least one letter or digit.")
        if Post.slug_taken(slug, self.post.id if self.post else None):
            raise ValidationError(f"The slug “{slug}” is taken by another post: choose another.")
        field.data = slug

    def validate_tags(self, field) -> None:
        names = split_tags(field.data)
        if len(names) > TAGS_MAX:
            raise ValidationError(f"A post can have at most {TAGS_MAX} tags; you gave {len(names)}.")
        too_long = [name for name in names if len(name) > TAG_MAX]
        if too_long:
            raise ValidationError(f"A tag can be at most {TAG_MAX} characters long: {too_long[0][:50]}…")
        if any(not Tag.normalise(name) for name in names):
            raise ValidationError("Each tag needs at least one letter or digit.")

    def validate(self, extra_validators=None) -> bool:
        # Checked here, not in validate_publish_at: Optional() stops that chain on an empty field.
        valid = super().validate(extra_validators)
        if valid and self.status.data == PostStatus.SCHEDULED:
            if self.publish_at.data is None:
                self.publish_at.errors.append("Choose when a scheduled post should be published.")
                return False
            if self.publish_time() <= utcnow():
                self.publish_at.errors.append("The publishing time must be in the future (times are UTC).")
                return False
        return valid

    def publish_time(self) -> datetime | None:
        """The chosen publishing time as an aware UTC datetime."""
        return self.publish_at.data.replace(tzinfo=UTC) if self.publish_at.data else None

    def values(self) -> dict:
        """The post's fields as ``services.save_post`` takes them."""
        return dict(
            title=self.title.data,
            body=self.body.data,
            tag_names=split_tags(self.tags.data),
            status=self.status.data,
            publish_at=self.publish_time(),
            slug=self.slug.data or None,
            description=self.description.data or "",
        )

    @staticmethod
    def data_of(post: Post) -> dict:
        """The form's initial values for editing ``post``."""
        publish_at = post.publish_at.replace(tzinfo=None, second=0, microsecond=0) if post.publish_at else None
        return dict(
            title=post.title,
            body=post.body,
            tags=", ".join(tag.name for tag in post.tags),
            slug=post.slug,
            description=post.description,
            status=post.status,
            publish_at=publish_at,
        )


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Your comment (Markdown)",
        filters=[xml_safe],
        validators=[
            InputRequired("Write something before sending."),
            Length(max=COMMENT_MAX, message=f"A comment can be at most {COMMENT_MAX:,} characters long."),
        ],
    )
