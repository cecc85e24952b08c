"""Test-only faults, loaded by the test workers with ``celery worker --include tests.faults``.

Production never loads this module, so no fault can be injected there. The
crash kind kills the worker process while it builds the message, as a segfault
or the OOM killer would, for the poison-message test.
"""

from __future__ import annotations

import os

from blog.mail.kinds import register_kind

CRASH_KIND = "crash-worker"


def _die(_payload: dict) -> dict:
    os._exit(70)


register_kind(CRASH_KIND, context=_die, alarm_on_failure=False)
