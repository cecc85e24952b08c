"""Multi-step writes of the accounts area: registering, logging in and out, resets and account changes."""

from __future__ import annotations

import uuid
from functools import cache

from flask import current_app, request, session, url_for
from flask_login import login_user, logout_user
from flask_principal import AnonymousIdentity, Identity, identity_changed

from blog.api import services as api_services
from blog.auth import verification
from blog.auth.names import display_name_problem
from blog.auth.tokens import make_reset_token
from blog.extensions import bcrypt, db
from blog.mail.queue import queue_mail
from blog.models import AuthorRequest, RequestStatus, User, utcnow
from blog.text import xml_safe

RESET_KIND = "password_reset"


def register_user(
    username: str, email: str, password: str, roles: tuple[str, ...] = ("reader",), verified: bool = False
) -> User:
    """Create a user (a reader unless ``roles`` say more); its ``after_insert`` event queues the welcome mail.

    The caller checked the input (the registration form, ``create-admin``) against the same password policy.
    An unverified address is sent a confirmation link; ``verified`` is for an operator who vouches for it.
    """
    user = User(username=username.strip(), email=email)
    user.password = password
    if verified:
        user.mark_email_verified()
    for role in roles:
        user.add_role(role)
    db.session.add(user)
    db.session.commit()
    if not verified:
        verification.send_confirmation(user)
    return user


@cache
def _dummy_hash(rounds: int) -> str:
    return bcrypt.generate_password_hash("not a real password", rounds).decode()


def authenticate(login: str, password: str) -> User | None:
    """Return the active user with this login and password, or None, taking as long either way."""
    user = User.find_by_login(login)
    if user is None or not user.password_hash:
        # Spend the same bcrypt time as a real check, so timing does not reveal which accounts exist.
        bcrypt.check_password_hash(_dummy_hash(current_app.config["BCRYPT_LOG_ROUNDS"]), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def start_session(user: User, remember: bool = False) -> None:
    """Log ``user`` in on this browser with a fresh session (and CSRF token), and note when."""
    user.last_login_at = utcnow()
    db.session.commit()
    # Nothing from before the login survives it: whatever a planted cookie held is gone.
    session.clear()
    login_user(user, remember=remember)
    identity_changed.send(current_app._get_current_object(), identity=Identity(user.id))


def end_session(user: User | None) -> None:
    """Log out; the user's session version moves on, so copies of this session's cookies stop working.

    The server keeps one version per user, not per session: logging out ends
    the user's sessions on every browser.
    """
    if user is not None and user.is_authenticated:
        user.end_all_sessions()
        db.session.commit()
    logout_user()
    session.clear()
    identity_changed.send(current_app._get_current_object(), identity=AnonymousIdentity())


def end_other_sessions(user: User) -> None:
    """End every session and API token of ``user`` but keep this browser logged in under the new version."""
    user.end_all_sessions()
    api_services.revoke_all_tokens(user)
    db.session.commit()
    keep_this_session(user)


def keep_this_session(user: User) -> None:
    """Store the user's new session version in this browser, renewing its remember-me cookie if it had one."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)


def request_password_reset(email: str) -> None:
    """E-mail a reset link if an active account has ``email``; do nothing (visibly the same) otherwise."""
    user = db.session.execute(db.select(User).filter_by(email=email.strip().lower())).scalar_one_or_none()
    if user is None or not user.active:
        return
    link = current_app.config["BLOG_BASE_URL"] + url_for("auth.reset_password", token=make_reset_token(user))
    queue_mail(
        db.session,
        key=f"password_reset:{user.id}:{uuid.uuid4().hex}",
        kind=RESET_KIND,
        recipient=user.email,
        payload={
            "subject": "Reset your password",
            "name": user.name,
            "link": link,
            "minutes": current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
        },
    )
    db.session.commit()


def set_password(user: User, password: str) -> None:
    """Give ``user`` a new password and end all of their sessions and API tokens."""
    user.password = password
    user.end_all_sessions()
    api_services.revoke_all_tokens(user)
    db.session.commit()


def reset_password(user: User, password: str) -> None:
    """Set the password from a mailed reset link, which proves the user reads mail at the address.

    An account whose address was never confirmed (registered, or created by a
    provider that did not vouch for the address) passes to whoever reads that
    mail: its provider links, made by whoever created it, are dropped.
    """
    if not user.email_verified:
        user.oauth_accounts.clear()
        user.mark_email_verified()
    set_password(user, password)


def request_authorship(user: User, note: str) -> AuthorRequest | None:
    """File a request to become an author; None if the user writes already or has one pending."""
    if user.has_role("author") or pending_author_request(user) is not None:
        return None
    request = AuthorRequest(user_id=user.id, note=note.strip())
    db.session.add(request)
    db.session.commit()
    return request


def pending_author_request(user: User) -> AuthorRequest | None:
    """Return the user's undecided request to become an author, if any."""
    query = db.select(AuthorRequest).filter_by(user_id=user.id, status=RequestStatus.PENDING)
    return db.session.execute(query).scalars().first()


class OAuthRefused(Exception):
    """The OAuth login cannot go on; the message tells the user what to do."""


def oauth_user(provider: str, profile) -> tuple[User, str]:
    """Return the user to log in for this provider account, linking or creating it; and what happened.

    The provider account's own link wins; then an account with the same
    e-mail, only if the provider says it is verified and the account confirmed
    it too; else a new reader is created. (A logged-in user links from the
    account page instead: ``needs_link``, ``link_account``.)
    """
    from blog.models import OAuthAccount

    link = db.session.execute(
        db.select(OAuthAccount).filter_by(provider=provider, provider_user_id=profile.subject)
    ).scalar_one_or_none()
    if link is not None:
        return _usable(link.user), "login"
    email = (profile.email or "").strip().lower()
    if not email:
        raise OAuthRefused("The provider did not tell us your e-mail address; register with a password instead.")
    existing = db.session.execute(db.select(User).filter_by(email=email)).scalar_one_or_none()
    if existing is not None:
        return _link(_matched_by_email(existing, profile), provider, profile), "matched"
    return _link(_new_oauth_reader(email, profile), provider, profile), "created"


def _matched_by_email(existing: User, profile) -> User:
    """The local account with the provider's address, if both sides vouch for the address; else refuse."""
    if not profile.email_verified:
        raise OAuthRefused(
            "An account with this e-mail exists. Log in with your password, then link the "
            "provider from your account page."
        )
    if not existing.email_verified:
        # Whoever registered it never showed they read this mail: it may be a squatter's account.
        raise OAuthRefused(
            "An account with this e-mail exists but its address was never confirmed, so we cannot link it. "
            "Log in with its password and link the provider from your account page, or reset its password."
        )
    return _usable(existing)


def _new_oauth_reader(email: str, profile) -> User:
    user = User(
        username=_free_username(profile.username_hint or email.partition("@")[0]),
        email=email,
        # A provider may let anyone call themselves "Admin": such a name falls back to the username.
        display_name="" if display_name_problem(profile.name[:100], None) else xml_safe(profile.name[:100]),
        # An address the provider does not vouch for is not owned: its real owner may claim it by a reset.
        email_verified_at=utcnow() if profile.email_verified else None,
    )
    user.add_role("reader")
    db.session.add(user)
    return user


def needs_link(provider: str, subject: str, current: User) -> bool:
    """True if the provider account is linked to nobody; False if to ``current``; refuse if to another user."""
    from blog.models import OAuthAccount

    link = db.session.execute(
        db.select(OAuthAccount).filter_by(provider=provider, provider_user_id=subject)
    ).scalar_one_or_none()
    if link is not None and link.user_id != current.id:
        raise OAuthRefused("That account is already linked to another user of this blog.")
    return link is None


def link_account(current: User, provider: str, subject: str) -> None:
    """Link the provider account ``subject`` to ``current`` (after they confirmed it on the page)."""
    from blog.models import OAuthAccount

    if needs_link(provider, subject, current):
        current.oauth_accounts.append(OAuthAccount(provider=provider, provider_user_id=subject))
        db.session.commit()


def _usable(user: User) -> User:
    if not user.active:
        raise OAuthRefused("This account is deactivated.")
    return user


def _link(user: User, provider: str, profile) -> User:
    from blog.models import OAuthAccount

    user.oauth_accounts.append(OAuthAccount(provider=provider, provider_user_id=profile.subject))
    db.session.commit()
    return user


def _free_username(hint: str) -> str:
    """Return ``hint`` made into a valid username that nobody uses yet (``ann``, ``ann-2``, ...)."""
    from slugify import slugify

    base = slugify(hint, max_length=56, separator="-", lowercase=False) or "reader"
    if len(base) < 3:
        base = f"{base}-reader"
    candidate, n = base, 1
    while User.username_taken(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def unlink_oauth(user: User, provider: str) -> bool:
    """Remove the user's link to ``provider``; refuse if it is their only way to log in."""
    links = [a for a in user.oauth_accounts if a.provider == provider]
    if not links:
        return True
    if not user.password_hash and len(user.oauth_accounts) == len(links):
        return False
    for account in links:
        user.oauth_accounts.remove(account)
    db.session.commit()
    return True
