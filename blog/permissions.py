"""Who may do what: the one place that declares permissions (Flask-Principal).

Roles grant actions; a user's identity provides a ``RoleNeed`` for each role
and an ``ActionNeed`` for each action those roles grant, loaded on
``identity_loaded`` from the logged-in user on every request.

Views use the permissions as decorators (``@require(write_permission)``) or in
code (``EditPostPermission(post).can()``).
"""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, g
from flask_login import current_user
from flask_principal import (
    ActionNeed,
    AnonymousIdentity,
    Identity,
    ItemNeed,
    Permission,
    RoleNeed,
    UserNeed,
    identity_loaded,
)

from blog.errors import wants_json
from blog.extensions import login_manager, principal

#: The actions each role grants; higher roles include the lower ones.
ROLE_ACTIONS: dict[str, set[str]] = {
    "reader": {"comment", "remind"},
    "author": {"comment", "remind", "write"},
    "editor": {"comment", "remind", "write", "edit_any_post", "moderate"},
    "admin": {"comment", "remind", "write", "edit_any_post", "moderate", "manage_users"},
}

#: Actions held back until the user confirms their e-mail address (so a squatted address cannot speak or mail).
UNVERIFIED_HELD_BACK = frozenset({"comment", "remind", "write"})
UNVERIFIED_MESSAGE = (
    "Confirm your e-mail address first: open the link we e-mailed you. "
    "Until then you can read but not comment, write or set reminders."
)

comment_permission = Permission(ActionNeed("comment"))
remind_permission = Permission(ActionNeed("remind"))
write_permission = Permission(ActionNeed("write"))
moderate_permission = Permission(ActionNeed("moderate"))
admin_permission = Permission(ActionNeed("manage_users"))


class EditPostPermission(Permission):
    """Edit or delete one post: its author (while allowed to write), or an editor or admin.

    The design's ``EditBlogPostPermission``: a need on the post itself.
    """

    def __init__(self, post):
        super().__init__(ActionNeed("edit_any_post"), ItemNeed("edit", post.id, "post"))
        self.author_id = post.author_id

    def allows(self, identity) -> bool:
        owns = UserNeed(self.author_id) in identity.provides and ActionNeed("write") in identity.provides
        return owns or super().allows(identity)


def init_app(app: Flask) -> None:
    principal.identity_loader(_identity_from_current_user)
    identity_loaded.connect_via(app)(_add_needs)


def _identity_from_current_user():
    if current_user.is_authenticated:
        return Identity(current_user.id, auth_type="session")
    return AnonymousIdentity()


def _add_needs(_sender, identity) -> None:
    if not current_user.is_authenticated or identity.id != current_user.id:
        return
    identity.user = current_user
    identity.provides.add(UserNeed(current_user.id))
    held_back = set() if current_user.email_verified else UNVERIFIED_HELD_BACK
    identity.held_back = {ActionNeed(action) for action in held_back}
    for role in current_user.roles:
        identity.provides.add(RoleNeed(role.name))
        for action in ROLE_ACTIONS.get(role.name, ()):
            if action not in held_back:
                identity.provides.add(ActionNeed(action))


def require(permission: Permission):
    """Guard a view: anonymous users go to the login page (401 for JSON clients), others without it get 403."""

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                if wants_json():
                    abort(401)
                return login_manager.unauthorized()
            if not permission.can():
                held_back = getattr(g.get("identity"), "held_back", set())
                abort(403, UNVERIFIED_MESSAGE if permission.needs & held_back else None)
            return view(*args, **kwargs)

        return guarded

    return decorator
