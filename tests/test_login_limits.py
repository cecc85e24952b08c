"""Login rate limits under attack (issue 9, items 3 and 4): parallel guesses and locking the owner out."""

from __future__ import annotations

import http.client
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

from blog.extensions import db
from blog.models import OutboxMessage
from tests.support import wait_for

PASSWORD = "correct horse battery"


def _post_login(base_url: str, username: str, password: str, source: str = "127.0.0.1") -> int:
    """POST the login form from the loopback address ``source``; return the status code."""
    parts = urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30, source_address=(source, 0))
    try:
        body = urlencode({"username": username, "password": password})
        connection.request(
            "POST", "/auth/login", body, {"Content-Type": "application/x-www-form-urlencoded", "Connection": "close"}
        )
        return connection.getresponse().status
    finally:
        connection.close()


def _in_parallel(calls) -> list[int]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_parallel_wrong_passwords_from_one_address_get_at_most_the_limit_checked(live_server, config_override):
    config_override(BCRYPT_LOG_ROUNDS=12)  # a real check takes long enough for the requests to overlap
    statuses = _in_parallel([lambda n=n: _post_login(live_server, f"guess{n}", "wrong wrong") for n in range(30)])
    assert statuses.count(200) <= 10, statuses  # 200: the password was checked and found wrong
    assert set(statuses) <= {200, 429}


def test_parallel_guesses_on_one_account_from_many_addresses_get_at_most_the_limit_checked(
    live_server, make_user, config_override
):
    config_override(BCRYPT_LOG_ROUNDS=12)
    make_user("target", password=PASSWORD)
    calls = [lambda n=n: _post_login(live_server, "target", f"guess {n}", f"127.0.0.{n + 2}") for n in range(60)]
    statuses = _in_parallel(calls)
    assert statuses.count(200) <= 10, statuses
    assert set(statuses) <= {200, 429}


def _fail(client, username: str, address: str, password: str = "wrong wrong wrong"):
    return client.post(
        "/auth/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_strangers_cannot_lock_the_owner_out_who_logs_in_by_a_mailed_link(app, client, make_user, smtp_server, worker):
    make_user("mona", email="mona@example.org", password=PASSWORD, roles=("admin", "reader"))
    for n in range(10):
        assert _fail(client, "mona", f"10.9.0.{n}").status_code == 200
    right = _fail(client, "mona", "10.9.1.1", password=PASSWORD)
    wrong = _fail(client, "mona", "10.9.1.2")
    # The same answer for a right and a wrong password: the limit still stops guessing.
    assert right.status_code == wrong.status_code == 429
    assert right.get_data(as_text=True) == wrong.get_data(as_text=True)

    def login_link():
        for message in smtp_server.to("mona@example.org"):
            match = re.search(r"https?://\S+/auth/login/link/\S+", message.get_body(("plain",)).get_content())
            if match:
                return urlsplit(match.group(0)).path
        return None

    path = wait_for(login_link, message="the login link mail")
    assert client.get(path).status_code == 200  # a page with a button: a mail scanner's visit logs nobody in
    assert client.post(path).status_code == 302
    assert client.get("/admin/").status_code == 200
    client.post("/auth/logout")
    assert client.post(path).status_code == 400  # once


def test_the_owner_is_told_once_an_hour_that_their_account_is_being_guessed_at(
    app, client, make_user, smtp_server, worker
):
    make_user("nora", email="nora@example.org", password=PASSWORD)
    for n in range(15):
        _fail(client, "nora", f"10.9.2.{n}")
    wait_for(lambda: smtp_server.to("nora@example.org"), message="the warning mail")
    with app.app_context():
        rows = db.session.execute(db.select(OutboxMessage).filter_by(kind="login_guessing")).scalars().all()
    assert [row.recipient for row in rows] == ["nora@example.org"]


def test_an_address_that_failed_gets_no_password_check_past_the_account_limit(app, client, make_user):
    make_user("olga", password=PASSWORD)
    for n in range(10):
        _fail(client, "olga", "10.9.3.1" if n == 0 else f"10.9.3.{n + 1}")
    response = _fail(client, "olga", "10.9.3.1", password=PASSWORD)
    assert response.status_code == 429 and "Too many failed logins; please wait" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(OutboxMessage).filter_by(kind="login_link")).first() is None
