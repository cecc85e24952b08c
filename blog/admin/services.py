"""Multi-step writes of the admin area: roles (with their log), deactivation, author requests, moderation."""

from __future__ import annotations

from sqlalchemy import func, or_

from blog.extensions import db
from blog.mail.queue import queue_mail
from blog.models import AuthorRequest, Comment, CommentStatus, RequestStatus, Role, RoleChange, User, user_roles, utcnow

#: The mail that tells a reader how their request to write was decided.
DECISION_KIND = "author_request_decision"

PER_PAGE = 25


class AdminRefused(Exception):
    """The change would break a rule; the message says which."""


def search_users(query: str, page: int):
    """Return a page of users whose username, e-mail or display name contains ``query``."""
    statement = db.select(User).order_by(func.lower(User.username))
    query = query.strip().lower()
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        statement = statement.where(
            or_(
                func.lower(User.username).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
            )
        )
    return db.paginate(statement, page=page, per_page=PER_PAGE, error_out=False)


def _active_admins() -> int:
    statement = (
        db.select(func.count())
        .select_from(User)
        .join(user_roles)
        .join(Role)
        .where(Role.name == "admin", User.active.is_(True))
    )
    return db.session.execute(statement).scalar_one()


def set_roles(actor: User, user: User, wanted: set[str]) -> list[RoleChange]:
    """Give ``user`` exactly the roles ``wanted``, log each change, and commit; refuse to leave no admin."""
    current = {role.name for role in user.roles}
    changes = [
        RoleChange(actor_id=actor.id, user_id=user.id, role=name, action="add") for name in sorted(wanted - current)
    ]
    changes += [
        RoleChange(actor_id=actor.id, user_id=user.id, role=name, action="remove") for name in sorted(current - wanted)
    ]
    if "admin" in current - wanted and user.active and _active_admins() <= 1:
        raise AdminRefused("This is the last admin: make someone else an admin before removing this role.")
    for change in changes:
        (user.add_role if change.action == "add" else user.remove_role)(change.role)
        db.session.add(change)
    db.session.commit()
    return changes


def deactivate(actor: User, user: User) -> None:
    """Stop ``user`` from logging in and end their sessions."""
    if user.id == actor.id:
        raise AdminRefused("You cannot deactivate your own account.")
    user.active = False
    user.end_all_sessions()
    db.session.commit()


def reactivate(user: User) -> None:
    user.active = True
    db.session.commit()


def pending_author_requests() -> list[AuthorRequest]:
    statement = db.select(AuthorRequest).filter_by(status=RequestStatus.PENDING).order_by(AuthorRequest.created_at)
    return list(db.session.execute(statement).scalars())


def decide_author_request(actor: User, request: AuthorRequest, approve: bool) -> None:
    """Approve (making the user an author) or decline a request, and e-mail the requester after the commit."""
    if request.status != RequestStatus.PENDING:
        raise AdminRefused("This request was decided already.")
    request.status = RequestStatus.APPROVED if approve else RequestStatus.DECLINED
    request.decided_at = utcnow()
    request.decided_by_id = actor.id
    if approve and request.user.add_role("author"):
        db.session.add(RoleChange(actor_id=actor.id, user_id=request.user_id, role="author", action="add"))
    queue_mail(
        db.session,
        key=f"author_request:{request.id}",
        kind=DECISION_KIND,
        recipient=request.user.email,
        payload={
            "subject": "You can now write on the blog" if approve else "About your request to write",
            "name": request.user.name,
            "approved": approve,
        },
    )
    db.session.commit()


def role_changes(page: int):
    """Return a page of the role log, newest first."""
    statement = db.select(RoleChange).order_by(RoleChange.created_at.desc(), RoleChange.id.desc())
    return db.paginate(statement, page=page, per_page=PER_PAGE, error_out=False)


def comments_for_moderation(status: str | None, page: int):
    """Return a page of comments, newest first, optionally only ``visible`` or ``hidden`` ones."""
    statement = db.select(Comment).order_by(Comment.created_at.desc(), Comment.id.desc())
    if status in tuple(CommentStatus):
        statement = statement.where(Comment.status == status)
    return db.paginate(statement, page=page, per_page=PER_PAGE, error_out=False)
