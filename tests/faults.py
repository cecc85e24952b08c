"""Test-only faults, loaded by the test workers with ``celery worker --include tests.faults``.

Production never loads this module, so no fault can be injected there:

* ``crash-worker`` kills the worker process while it builds the message, as a
  segfault or the OOM killer would (the poison-message test);
* ``die-after-send`` kills it on the first try right after the server answered
  250 and before the row is marked sent (the one window where a mail can go twice).
"""

from __future__ import annotations

import os

from blog.mail.kinds import register_kind
from blog.models import OutboxMessage

CRASH_KIND = "crash-worker"
DIE_AFTER_SEND_KIND = "die-after-send"


def _die(_payload: dict) -> dict:
    os._exit(70)


register_kind(CRASH_KIND, context=_die, alarm_on_failure=False)
register_kind(DIE_AFTER_SEND_KIND, template="test")

_mark_sent = OutboxMessage.mark_sent


def _mark_sent_unless_first_try_of_die_after_send(self: OutboxMessage) -> bool:
    if self.kind == DIE_AFTER_SEND_KIND and self.attempts == 1:
        os._exit(71)
    return _mark_sent(self)


OutboxMessage.mark_sent = _mark_sent_unless_first_try_of_die_after_send  # type: ignore[method-assign]
