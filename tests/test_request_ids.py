"""Request ids and logs (issue 13): every response names its request, logs carry the id into the worker."""

from __future__ import annotations

import json
import logging
import pathlib
import re
import time
import uuid

import pytest

from blog.logs import JsonFormatter, configure_logging
from tests.support import wait_for

HEX_ID = re.compile(r"^[0-9a-f]{32}$")


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def access_records():
    handler = _Collect()
    logger = logging.getLogger("blog.access")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_every_response_names_a_new_request_id(client):
    first, second = client.get("/"), client.get("/")
    assert HEX_ID.match(first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_a_client_cannot_choose_its_id_without_a_trusted_proxy(client):
    answer = client.get("/", headers={"X-Request-ID": "chosen-by-client"})
    assert answer.headers["X-Request-ID"] != "chosen-by-client"


def test_a_trusted_proxys_request_id_is_kept(test_env, monkeypatch):
    from blog import create_app

    monkeypatch.setenv("BLOG_PROXY_COUNT", "1")
    proxied = create_app("test")
    answer = proxied.test_client().get("/healthz-nowhere", headers={"X-Request-ID": "from-nginx-42"})
    assert answer.headers["X-Request-ID"] == "from-nginx-42"
    bad = proxied.test_client().get("/", headers={"X-Request-ID": "a b;<script>"})
    assert HEX_ID.match(bad.headers["X-Request-ID"]), "a malformed id must be replaced"


def test_a_cached_page_never_replays_the_id_of_the_request_that_filled_it(client, make_post, access_records):
    make_post("Cached for readers")
    # The server reads each body to its end, as gunicorn does; that is when the access line is written.
    filled, hit = client.get("/"), client.get("/")
    filled.get_data(), hit.get_data()
    assert hit.headers.get("X-Cache") == "hit"
    assert hit.headers["X-Request-ID"] != filled.headers["X-Request-ID"]
    logged = [r.request_id for r in access_records]
    assert filled.headers["X-Request-ID"] in logged and hit.headers["X-Request-ID"] in logged, (
        "the access log must see cache hits too"
    )


def test_a_registration_and_its_welcome_mail_share_the_request_id_in_web_and_worker_logs(
    client, worker, smtp_server, access_records
):
    # Tasks left on the queue by earlier tests name rows by id, and SQLite gives the new user's mail
    # the same ids again: drop them, and let a task the worker already holds find nothing.
    client.application.extensions["celery"].control.purge()
    time.sleep(1.5)
    name = f"traced{uuid.uuid4().hex[:6]}"
    answer = client.post(
        "/auth/register",
        data={
            "username": name,
            "email": f"{name}@example.org",
            "password": "a long pass phrase",
            "confirm": "a long pass phrase",
        },
    )
    body = answer.get_data(as_text=True)  # read to its end, as a server does
    assert answer.status_code in (302, 303), body[:500]
    request_id = answer.headers["X-Request-ID"]
    assert any(r.request_id == request_id and r.path == "/auth/register" for r in access_records), [
        (r.request_id, r.path) for r in access_records
    ]
    smtp_server.wait_for_messages(1, to=f"{name}@example.org")

    def worker_line():
        # Whichever worker on the test queue took the task (other tests may have started more).
        lines = []
        for path in pathlib.Path(worker.log_path).parent.glob("*.log"):
            with open(path, encoding="utf-8", errors="replace") as log:
                lines += [line for line in log if "sent welcome mail" in line and f"request={request_id}" in line]
        return lines

    assert wait_for(worker_line, message="the worker's log line for the welcome mail with the request id")


def test_json_lines_carry_the_context_fields():
    record = logging.LogRecord("blog.mail", logging.INFO, __file__, 1, "sent %s", ("welcome",), None)
    record.request_id, record.user_id, record.task_id, record.task_name = "r1", 7, "t1", "deliver_mail"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "sent welcome" and entry["level"] == "INFO" and entry["logger"] == "blog.mail"
    assert (entry["request_id"], entry["user_id"], entry["task_id"], entry["task_name"]) == (
        "r1",
        7,
        "t1",
        "deliver_mail",
    )
    assert "time" in entry


def test_log_dir_writes_app_and_access_logs_as_json(app, client, tmp_path, config_override):
    config_override(LOG_DIR=str(tmp_path), LOG_FORMAT="json")
    configure_logging(app)
    try:
        client.get("/").get_data()
        logging.getLogger("blog.test").warning("written to app.log")
    finally:
        for handler in logging.getLogger("blog").handlers + logging.getLogger("blog.access").handlers:
            handler.flush()
        config_override(LOG_DIR=None, LOG_FORMAT="text")
        configure_logging(app)
    access = [json.loads(line) for line in (tmp_path / "access.log").read_text().splitlines()]
    assert access and access[-1]["path"] == "/" and HEX_ID.match(access[-1]["request_id"])
    lines = [json.loads(line) for line in (tmp_path / "app.log").read_text().splitlines()]
    assert any(entry["message"] == "written to app.log" for entry in lines)
