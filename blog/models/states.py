"""The states rows move through, as enums: one spelling each, checked by the type checker."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum


class PostStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


class CommentStatus(StrEnum):
    VISIBLE = "visible"
    HIDDEN = "hidden"


class RequestStatus(StrEnum):
    """A reader's request to become an author."""

    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELED = "canceled"

    @classmethod
    def finished(cls) -> tuple[OutboxStatus, ...]:
        """The states a row never leaves by itself (an admin may queue it again)."""
        return (cls.FAILED, cls.CANCELED)


def state_column(enum: type[StrEnum], length: int) -> Enum:
    """A VARCHAR column that stores the enum's values and loads them as members.

    Not a database ENUM and no CHECK constraint, so a new state needs no migration.
    """
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
