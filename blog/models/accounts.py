"""Account bookkeeping: API tokens, role changes and requests to become an author."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from blog.models.base import Model
from blog.models.states import RequestStatus, state_column
from blog.models.types import UTCDateTime, utcnow
from blog.models.user import User

#: What a token may be limited to; a token holds one or more, separated by spaces.
API_SCOPES = {"mail:send": "send mail (POST /api/mail)", "tasks:read": "read task states (GET /api/tasks/<id>)"}
ALL_API_SCOPES = " ".join(API_SCOPES)


class ApiToken(Model):
    """A token for the API; only its SHA-256 hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scopes: Mapped[str] = mapped_column(String(100), default=ALL_API_SCOPES, server_default=ALL_API_SCOPES)

    user: Mapped[User] = relationship()

    def allows(self, scope: str) -> bool:
        """True if the token was given ``scope``."""
        return scope in self.scopes.split()


class RoleChange(Model):
    """Who gave or took which role from whom, and when."""

    __tablename__ = "role_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(10))  # "add" or "remove"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class AuthorRequest(Model):
    """A reader's request to become an author, decided by an admin."""

    __tablename__ = "author_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequestStatus] = mapped_column(
        state_column(RequestStatus, 10), default=RequestStatus.PENDING, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
