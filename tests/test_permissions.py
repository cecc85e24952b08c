"""The permission layer: roles grant actions, and post editing is a need on the post."""

from contextlib import contextmanager

import pytest
from flask import current_app
from flask_login import login_user
from flask_principal import Identity, identity_changed

from blog.permissions import EditPostPermission, write_permission


@contextmanager
def acting_as(app, user):
    """A request context in which ``user`` is logged in and their identity loaded."""
    with app.test_request_context():
        login_user(user)
        identity_changed.send(current_app._get_current_object(), identity=Identity(user.id))
        yield


@pytest.mark.parametrize(
    ("roles", "can_write"),
    [((), False), (("reader",), False), (("author",), True), (("editor",), True), (("admin",), True)],
)
def test_roles_grant_writing(app, make_user, roles, can_write):
    user = make_user(roles=roles)
    with acting_as(app, user):
        assert write_permission.can() is can_write


@pytest.mark.parametrize(
    ("roles", "own", "allowed"),
    [
        (("reader",), True, False),
        (("author",), True, True),
        (("author",), False, False),
        (("editor",), False, True),
        (("admin",), False, True),
    ],
)
def test_edit_post_permission(app, make_user, make_post, roles, own, allowed):
    user = make_user(roles=roles)
    post = make_post(author=user if own else None)
    with acting_as(app, user):
        assert EditPostPermission(post).can() is allowed
