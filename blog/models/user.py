"""Users, their roles and the accounts they link from OAuth providers."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime
from typing import NoReturn, cast

from flask_login import UserMixin
from sqlalchemy import Column, ColumnElement, ForeignKey, Index, String, Table, UniqueConstraint, and_, func
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from blog.extensions import bcrypt, db
from blog.models.base import Model
from blog.models.types import UTCDateTime, utcnow

ROLE_NAMES = ("admin", "editor", "author", "reader")
ROLE_DESCRIPTIONS = {
    "admin": "Manages users and roles; may do everything.",
    "editor": "Edits any post and moderates comments.",
    "author": "Writes posts and edits their own.",
    "reader": "Comments and sets reminders.",
}
DIGEST_CHOICES = ("none", "daily", "weekly")

user_roles = Table(
    "user_roles",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Role(Model):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    description: Mapped[str] = mapped_column(String(255), default="")

    def __repr__(self) -> str:
        return f"<Role {self.name}>"

    @classmethod
    def ensure_defaults(cls) -> list[Role]:
        """Create the built-in roles that are missing; return all of them."""
        existing = {r.name: r for r in db.session.execute(db.select(cls)).scalars()}
        for name in ROLE_NAMES:
            if name not in existing:
                existing[name] = cls(name=name, description=ROLE_DESCRIPTIONS[name])
                db.session.add(existing[name])
        return [existing[name] for name in ROLE_NAMES]

    @classmethod
    def named(cls, name: str) -> Role:
        """Return the role called ``name``, creating the built-in ones if needed."""
        role = db.session.execute(db.select(cls).filter_by(name=name)).scalar_one_or_none()
        if role is None:
            if name not in ROLE_NAMES:
                raise LookupError(f"unknown role {name!r}; roles are {', '.join(ROLE_NAMES)}")
            role = {r.name: r for r in cls.ensure_defaults()}[name]
        return role


class User(UserMixin, Model):  # type: ignore[misc]  # Flask-Login ships no types
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the address was confirmed through a mailed link; None: unconfirmed (no mail, no writing).
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    digest: Mapped[str] = mapped_column(String(10), default="none")
    notify_comments: Mapped[bool] = mapped_column(default=True)
    # Bumped to end every session of the user (logout everywhere, password change).
    session_version: Mapped[int] = mapped_column(default=1)
    # Signs the links in the user's mail (one-click unsubscribe); rotating it retires every old link.
    mail_secret: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16), server_default="")

    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")
    oauth_accounts: Mapped[list[OAuthAccount]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    @validates("email")
    def _normalise_email(self, _key: str, email: str) -> str:
        return email.strip().lower()

    @property
    def name(self) -> str:
        """The name to show and to greet the user with."""
        return self.display_name or self.username

    @property
    def email_verified(self) -> bool:
        """True once the address was confirmed (or came verified from a provider or an admin)."""
        return self.email_verified_at is not None

    @hybrid_property
    def may_get_mail(self) -> bool:
        """Whether the blog may send this user digests, announcements, reminders and notices: the one rule."""
        return self.active and self.email_verified_at is not None

    @may_get_mail.inplace.expression
    @classmethod
    def _may_get_mail_expression(cls) -> ColumnElement[bool]:
        return and_(cls.active.is_(True), cls.email_verified_at.is_not(None))

    def rotate_mail_secret(self) -> None:
        """Retire every unsubscribe link sent so far (new mail carries new ones)."""
        self.mail_secret = secrets.token_hex(16)

    def mark_email_verified(self) -> None:
        """Record that the user has shown they read mail at their address."""
        self.email_verified_at = utcnow()

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        # The session version makes a copied session cookie useless once bumped.
        return f"{self.id}:{self.session_version}"

    @property
    def password(self) -> NoReturn:
        raise AttributeError("password is write-only; use check_password()")

    @password.setter
    def password(self, plaintext: str) -> None:
        self.password_hash = bcrypt.generate_password_hash(_bcrypt_input(plaintext)).decode()

    def check_password(self, plaintext: str) -> bool:
        if not self.password_hash:
            return False
        return cast(
            bool, bcrypt.check_password_hash(self.password_hash, _bcrypt_input(plaintext))
        )  # Flask-Bcrypt ships no types

    def has_role(self, name: str) -> bool:
        return any(role.name == name for role in self.roles)

    def add_role(self, name: str) -> bool:
        """Give the user the role ``name``; return False if they had it."""
        if self.has_role(name):
            return False
        self.roles.append(Role.named(name))
        return True

    def remove_role(self, name: str) -> bool:
        """Take the role ``name`` from the user; return False if they lacked it."""
        kept = [role for role in self.roles if role.name != name]
        changed = len(kept) != len(self.roles)
        self.roles = kept
        return changed

    def end_all_sessions(self) -> None:
        """Invalidate every session and remember-me cookie of this user."""
        self.session_version = (self.session_version or 1) + 1

    @classmethod
    def find_by_login(cls, login: str) -> User | None:
        """Return the user whose username or e-mail is ``login`` (any case)."""
        login = login.strip().lower()
        column = cls.email if "@" in login else func.lower(cls.username)
        return db.session.execute(db.select(cls).where(column == login)).scalar_one_or_none()

    @classmethod
    def username_taken(cls, username: str) -> bool:
        query = db.select(cls.id).where(func.lower(cls.username) == username.strip().lower())
        return db.session.execute(query).first() is not None

    @classmethod
    def email_taken(cls, email: str) -> bool:
        query = db.select(cls.id).where(cls.email == email.strip().lower())
        return db.session.execute(query).first() is not None


# Usernames are unique whatever their case (e-mails are stored lower-cased).
Index("uq_users_username_lower", func.lower(User.username), unique=True)


def _bcrypt_input(plaintext: str) -> bytes:
    """Return what bcrypt hashes: bcrypt reads only 72 bytes, so longer input is pre-hashed."""
    raw = plaintext.encode("utf-8")
    if len(raw) <= 72:
        return raw
    return base64.b64encode(hashlib.sha256(raw).digest())


class OAuthAccount(Model):
    __tablename__ = "oauth_accounts"
    __table_args__ = (UniqueConstraint("provider", "provider_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    provider_user_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="oauth_accounts")
