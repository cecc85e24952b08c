"""The basic login and logout (the accounts issue adds the rest)."""

import pytest


def test_login_with_username_or_email_and_logout(client, make_user):
    make_user("carol", password="carol's long password")
    response = client.post("/auth/login", data={"username": "CAROL@example.org", "password": "carol's long password"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert b"Log out" in client.get("/").data
    assert client.post("/auth/logout").status_code == 302
    assert b"Log in" in client.get("/").data


def test_wrong_password_and_unknown_user_look_the_same(client, make_user):
    make_user("dave", password="dave's long password")
    wrong = client.post("/auth/login", data={"username": "dave", "password": "nope nope nope"})
    unknown = client.post("/auth/login", data={"username": "nobody", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert b"Wrong username or password." in wrong.data and b"Wrong username or password." in unknown.data


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)"])
def test_next_never_leaves_the_site(client, make_user, target):
    make_user("erin", password="erin's long password")
    response = client.post(f"/auth/login?next={target}", data={"username": "erin", "password": "erin's long password"})
    assert response.headers["Location"] == "/"


def test_next_within_the_site_is_followed(client, make_user):
    make_user("frank", password="frank's long password")
    response = client.post(
        "/auth/login?next=/tag/python", data={"username": "frank", "password": "frank's long password"}
    )
    assert response.headers["Location"] == "/tag/python"


def test_deactivated_user_cannot_log_in(client, make_user):
    make_user("gina", password="gina's long password", active=False)
    response = client.post("/auth/login", data={"username": "gina", "password": "gina's long password"})
    assert response.status_code == 200 and b"Wrong username or password." in response.data


@pytest.mark.parametrize(
    "target", ["/ok%0D%0ASet-Cookie:%20stolen=1", "/ok%0Aevil", "/%09/evil.example", "/a%00b", "/x%7F"]
)
def test_next_with_control_characters_goes_home_not_to_a_500(client, make_user, target):
    make_user("gale", password="gale's long password")
    response = client.post(f"/auth/login?next={target}", data={"username": "gale", "password": "gale's long password"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
