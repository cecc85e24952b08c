"""``/metrics`` (issue 13): off by default, only for allowed addresses, and counting what operators watch."""

from __future__ import annotations

import re
from datetime import timedelta

from blog.extensions import db
from blog.jobs.heartbeats import SWEEP_HEARTBEAT, record_heartbeat
from blog.mail.queue import queue_mail
from blog.models import utcnow


def _value(text: str, name: str, **labels: str) -> float | None:
    """The sample ``name{labels}`` in a Prometheus text exposition, or None."""
    for line in text.splitlines():
        if line.startswith(name) and all(f'{key}="{value}"' in line for key, value in labels.items()):
            match = re.match(rf"^{re.escape(name)}(\{{.*\}})? (\S+)$", line)
            if match:
                return float(match.group(2))
    return None


def test_metrics_are_off_unless_enabled(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_are_refused_to_an_address_outside_metrics_allow(client, config_override):
    config_override(METRICS_ENABLED=True)
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert outside.status_code == 403
    config_override(METRICS_ALLOW="127.0.0.0/8, 203.0.113.0/24")
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200


def test_metrics_count_requests_cache_hits_outbox_rows_and_job_runs(app, client, config_override, make_post):
    config_override(METRICS_ENABLED=True)
    make_post("Counted")
    before = client.get("/metrics").get_data(as_text=True)
    for _ in range(3):
        client.get("/").get_data()  # a miss, then hits answered before Flask
    with app.app_context():
        # Due later, so a running worker leaves it pending.
        later = utcnow() + timedelta(hours=1)
        queue_mail(db.session, key="metrics:1", kind="test", recipient="m@example.org", payload={}, due_at=later)
        db.session.commit()
        record_heartbeat(SWEEP_HEARTBEAT)

    answer = client.get("/metrics")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.content_type.startswith("text/plain")
    hits_before = _value(before, "blog_page_cache_total", result="hit") or 0
    assert _value(text, "blog_page_cache_total", result="hit") == hits_before + 2
    assert (_value(text, "blog_http_requests_total", endpoint="page_cache", status="200") or 0) >= 2
    assert (_value(text, "blog_http_requests_total", endpoint="main.index", status="200") or 0) >= 1
    assert _value(text, "blog_http_request_duration_seconds_count", endpoint="main.index") >= 1
    assert _value(text, "blog_outbox_messages", state="pending", kind="test") >= 1
    assert _value(text, "blog_job_last_run_timestamp_seconds", job=SWEEP_HEARTBEAT) > 0
    assert _value(text, "blog_outbox_oldest_pending_seconds") is not None
