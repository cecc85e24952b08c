"""Who may do what: the whole role matrix over every protected endpoint, and the admin pages' rules."""

from __future__ import annotations

import pytest
from flask_login import login_user
from flask_principal import AnonymousIdentity, Identity, identity_loaded

from blog.extensions import db
from blog.models import AuthorRequest, Comment, RoleChange, User
from blog.permissions import (
    EditPostPermission,
    admin_permission,
    comment_permission,
    moderate_permission,
    remind_permission,
    write_permission,
)

ROLE_SETS = {
    "anonymous": None,
    "reader": ("reader",),
    "author": ("reader", "author"),
    "editor": ("reader", "editor"),
    "admin": ("reader", "admin"),
}
EVERYONE = {"reader", "author", "editor", "admin"}
EDITORS = {"editor", "admin"}
ADMINS = {"admin"}

#: (method, URL with {target}/{comment}/{request} placeholders, roles allowed)
ENDPOINTS = [
    ("GET", "/auth/account", EVERYONE),
    ("POST", "/auth/account/profile", EVERYONE),
    ("POST", "/auth/account/sessions", EVERYONE),
    ("POST", "/auth/account/author-request", EVERYONE),
    ("GET", "/admin/", ADMINS),
    ("GET", "/admin/?q=target&page=1", ADMINS),
    ("GET", "/admin/users/{target}", ADMINS),
    ("POST", "/admin/users/{target}/roles", ADMINS),
    ("POST", "/admin/users/{target}/deactivate", ADMINS),
    ("POST", "/admin/users/{target}/reactivate", ADMINS),
    ("GET", "/admin/roles/log", ADMINS),
    ("POST", "/admin/requests/{request}/approve", ADMINS),
    ("POST", "/admin/requests/{request}/decline", ADMINS),
    ("GET", "/admin/moderation", EDITORS),
    ("POST", "/admin/comments/{comment}/hide", EDITORS),
    ("POST", "/admin/comments/{comment}/show", EDITORS),
]
FORMS = {
    "/auth/account/profile": {"profile-digest": "daily"},
    "/auth/account/author-request": {"author-note": "Let me write."},
    "/admin/users/{target}/roles": {"roles": ["reader", "author"]},
}


@pytest.fixture
def world(make_user, make_post, make_comment, app):
    """A target user with a pending author request, and a comment to moderate."""
    target = make_user("target")
    post = make_post("Moderated post")
    comment = make_comment(post)
    with app.app_context():
        request = AuthorRequest(user_id=target.id, note="Please.")
        db.session.add(request)
        db.session.commit()
        return {"target": target.id, "comment": comment.id, "request": request.id}


@pytest.mark.parametrize("role", list(ROLE_SETS))
@pytest.mark.parametrize(("method", "url", "allowed"), ENDPOINTS, ids=[f"{m} {u}" for m, u, _ in ENDPOINTS])
def test_role_matrix(client, login, make_user, world, role, method, url, allowed):
    if ROLE_SETS[role] is not None:
        login.as_user(make_user(f"as-{role}", roles=ROLE_SETS[role]))
    path = url.format(**world)
    response = client.open(path, method=method, data=FORMS.get(url, {}))
    if role == "anonymous":
        assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login?next=")
    elif role in allowed:
        assert response.status_code == (200 if method == "GET" else 302), response.get_data(as_text=True)[:500]
    else:
        assert response.status_code == 403


def test_forbidden_json_clients_get_json(client, login, make_user):
    anonymous = client.get("/admin/", headers={"Accept": "application/json"})
    assert anonymous.status_code == 401 and anonymous.json["status"] == 401
    login.as_user(make_user("reader"))
    forbidden = client.get("/admin/", headers={"Accept": "application/json"})
    assert forbidden.status_code == 403 and forbidden.json["message"] == "You do not have permission to do that."


def test_forbidden_page_is_the_friendly_403(client, login, make_user):
    login.as_user(make_user("reader"))
    response = client.get("/admin/")
    assert response.status_code == 403 and "You do not have permission to do that." in response.get_data(as_text=True)


PERMISSIONS = {
    "comment": (comment_permission, EVERYONE),
    "remind": (remind_permission, EVERYONE),
    "write": (write_permission, {"author", "editor", "admin"}),
    "moderate": (moderate_permission, EDITORS),
    "manage_users": (admin_permission, ADMINS),
}


def _allows(app, user, permission) -> bool:
    with app.test_request_context():
        if user is None:
            identity = AnonymousIdentity()
        else:
            login_user(db.session.get(User, user.id))
            identity = Identity(user.id)
            identity_loaded.send(app, identity=identity)
        return (
            permission(identity)
            if callable(permission) and not hasattr(permission, "allows")
            else permission.allows(identity)
        )


@pytest.mark.parametrize("role", list(ROLE_SETS))
@pytest.mark.parametrize("action", list(PERMISSIONS))
def test_permission_matrix(app, make_user, role, action):
    user = make_user(f"as-{role}", roles=ROLE_SETS[role]) if ROLE_SETS[role] else None
    permission, allowed = PERMISSIONS[action]
    assert _allows(app, user, permission) == (role in allowed)


@pytest.mark.parametrize(
    ("role", "own", "expected"),
    [
        ("anonymous", False, False),
        ("reader", False, False),
        ("reader", True, False),  # a former author who lost the author role
        ("author", True, True),
        ("author", False, False),
        ("editor", False, True),
        ("admin", False, True),
    ],
)
def test_edit_post_permission_is_a_need_on_the_post(app, make_user, make_post, role, own, expected):
    user = make_user(f"as-{role}", roles=ROLE_SETS[role]) if ROLE_SETS[role] else None
    post = make_post("Somebody's post", author=user if own else None)

    def check(identity):
        return EditPostPermission(post).allows(identity)

    assert _allows(app, user, check) is expected


def test_promoted_reader_holds_write_permission(app, client, login, make_user):
    admin = make_user("boss", roles=("reader", "admin"))
    reader = make_user("newbie")
    assert not _allows(app, reader, write_permission)
    login.as_user(admin)
    client.post(f"/admin/users/{reader.id}/roles", data={"roles": ["reader", "author"]})
    assert _allows(app, reader, write_permission)


# --- admin rules ---


def test_user_search_and_paging(client, login, make_user):
    login.as_user(make_user("boss", roles=("admin",)))
    for n in range(30):
        make_user(f"member{n:02d}")
    first = client.get("/admin/").get_data(as_text=True)
    assert "member00" in first and "member29" not in first and "Page 1 of 2" in first
    assert "member29" in client.get("/admin/?page=2").get_data(as_text=True)
    found = client.get("/admin/?q=MEMBER1").get_data(as_text=True)
    assert "member15" in found and "member25" not in found
    assert "No user matches." in client.get("/admin/?q=%25_").get_data(as_text=True)


def test_role_changes_are_logged(app, client, login, make_user):
    admin = make_user("boss", roles=("admin",))
    user = make_user("ivy")
    login.as_user(admin)
    client.post(f"/admin/users/{user.id}/roles", data={"roles": ["author"]})
    with app.app_context():
        log = [
            (c.actor_id, c.user_id, c.role, c.action)
            for c in db.session.execute(db.select(RoleChange).order_by(RoleChange.role)).scalars()
        ]
    assert log == [(admin.id, user.id, "author", "add"), (admin.id, user.id, "reader", "remove")]
    page = client.get("/admin/roles/log").get_data(as_text=True)
    assert "added author" in page and "removed reader" in page and "boss" in page and "ivy" in page


def test_unknown_role_is_a_bad_request(client, login, make_user):
    login.as_user(make_user("boss", roles=("admin",)))
    user = make_user("ivy")
    assert client.post(f"/admin/users/{user.id}/roles", data={"roles": ["overlord"]}).status_code == 400


def test_last_admin_cannot_remove_their_own_admin_role(app, client, login, make_user):
    admin = make_user("boss", roles=("reader", "admin"))
    login.as_user(admin)
    response = client.post(f"/admin/users/{admin.id}/roles", data={"roles": ["reader"]}, follow_redirects=True)
    assert "This is the last admin" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).has_role("admin")


def test_an_admin_may_step_down_when_another_admin_remains(app, client, login, make_user):
    admin = make_user("boss", roles=("reader", "admin"))
    make_user("deputy", roles=("reader", "admin"))
    login.as_user(admin)
    client.post(f"/admin/users/{admin.id}/roles", data={"roles": ["reader"]})
    with app.app_context():
        assert not db.session.get(User, admin.id).has_role("admin")


def test_admin_cannot_deactivate_themselves(app, client, login, make_user):
    admin = make_user("boss", roles=("admin",))
    login.as_user(admin)
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).active


def test_deactivate_and_reactivate(app, client, login, make_user):
    login.as_user(make_user("boss", roles=("admin",)))
    user = make_user("ivy")
    client.post(f"/admin/users/{user.id}/deactivate")
    with app.app_context():
        assert not db.session.get(User, user.id).active
    client.post(f"/admin/users/{user.id}/reactivate")
    with app.app_context():
        assert db.session.get(User, user.id).active


@pytest.mark.parametrize(
    ("decision", "subject", "becomes_author"),
    [
        ("approve", "You can now write on the blog", True),
        ("decline", "About your request to write", False),
    ],
)
def test_author_request_decision_is_mailed(
    app, client, login, make_user, smtp_server, worker, decision, subject, becomes_author
):
    login.as_user(make_user("boss", roles=("admin",)))
    user = make_user("ivy", email="ivy@example.org")
    with app.app_context():
        request = AuthorRequest(user_id=user.id, note="Birds!")
        db.session.add(request)
        db.session.commit()
        request_id = request.id
    assert "Birds!" in client.get("/admin/").get_data(as_text=True)
    assert client.post(f"/admin/requests/{request_id}/{decision}").status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).has_role("author") is becomes_author
        assert db.session.get(AuthorRequest, request_id).status == ("approved" if becomes_author else "declined")
    from tests.support import wait_for

    wait_for(
        lambda: any(m["Subject"] == subject for m in smtp_server.to("ivy@example.org")),
        message=f"the decision mail {subject!r}",
    )
    again = client.post(f"/admin/requests/{request_id}/{decision}", follow_redirects=True)
    assert "decided already" in again.get_data(as_text=True)


def test_editor_hides_and_shows_a_comment(app, client, login, make_user, make_post, make_comment):
    comment = make_comment(make_post(), body="Buy cheap pills")
    login.as_user(make_user("ed", roles=("reader", "editor")))
    assert "Buy cheap pills" in client.get("/admin/moderation").get_data(as_text=True)
    client.post(f"/admin/comments/{comment.id}/hide")
    with app.app_context():
        assert db.session.get(Comment, comment.id).status == "hidden"
    assert "Buy cheap pills" in client.get("/admin/moderation?status=hidden").get_data(as_text=True)
    assert "Buy cheap pills" not in client.get("/admin/moderation?status=visible").get_data(as_text=True)
    client.post(f"/admin/comments/{comment.id}/show")
    with app.app_context():
        assert db.session.get(Comment, comment.id).status == "visible"


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("reader", {"Account"}),
        ("editor", {"Account", "Moderation"}),
        ("admin", {"Account", "Moderation", "Admin"}),
    ],
)
def test_nav_shows_what_the_role_may_use(client, login, make_user, role, links):
    login.as_user(make_user(f"as-{role}", roles=ROLE_SETS[role]))
    page = client.get("/auth/account").get_data(as_text=True)
    for label in ("Account", "Moderation", "Admin"):
        assert (f">{label}</a>" in page) == (label in links)


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/admin/users/999", 404),
        ("POST", "/admin/users/999/roles", 404),
        ("POST", "/admin/users/999/deactivate", 404),
        ("POST", "/admin/requests/999/approve", 404),
        ("POST", "/admin/comments/999/hide", 404),
        ("GET", "/admin/?page=0", 404),
        ("GET", "/admin/?page=abc", 200),
        ("GET", "/admin/roles/log?page=99", 200),
        ("GET", "/admin/moderation?status=bogus", 200),
    ],
)
def test_bad_admin_input_gets_a_clear_status(client, login, make_user, method, url, status):
    login.as_user(make_user("boss", roles=("reader", "admin")))
    assert client.open(url, method=method).status_code == status
