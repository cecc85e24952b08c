"""Display names that would pass for staff or another user are refused (issue 9, item 15)."""

from __future__ import annotations

import pytest

from blog.extensions import db
from blog.models import User


def _set_name(client, name: str):
    return client.post("/auth/account/profile", data={"profile-display_name": name, "profile-digest": "none"})


@pytest.mark.parametrize(
    "name",
    [
        "admin",
        "ADMIN",
        "Ad-min",
        "adm1n",
        "\u0430dmin",  # Cyrillic a
        "\uff41\uff44\uff4d\uff49\uff4e",  # fullwidth, folded by NFKC
        "A\u0301dmin",  # a combining accent
        "Editor",
        "Moderator",
        "victoria",
        "Victoria",
        "victor1a",
        "v\u0456ctoria",  # Cyrillic i
        "Vic Toria",
    ],
)
def test_names_that_pass_for_staff_or_another_user_are_refused(app, client, login, make_user, name):
    make_user("victoria")
    mallory = make_user("mallory")
    login.as_user(mallory)
    answer = _set_name(client, name)
    assert answer.status_code == 400
    assert "choose another" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, mallory.id).display_name == ""


@pytest.mark.parametrize("name", ["Mallory M.", "mallory", "Ann Smith", "Zoë Ådmiral", ""])
def test_ordinary_names_and_ones_own_username_are_fine(client, login, make_user, name):
    make_user("victoria")
    login.as_user(make_user("mallory"))
    assert _set_name(client, name).status_code == 302


def test_a_provider_name_that_passes_for_staff_falls_back_to_the_username(app, client, oidc):
    from tests.test_oauth import login_through_provider

    oidc.user = dict(oidc.user, name="Admin")
    login_through_provider(client)
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
        assert user.display_name == "" and user.name == "sam"
