"""A full disk for the file mail backend (issue 13): the mail waits with its error, nothing is half-written."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta

import pytest

from blog.extensions import db
from blog.mail import delivery
from blog.mail.queue import queue_mail
from blog.models import OutboxMessage, OutboxStatus, utcnow


@pytest.fixture
def tiny_disk(tmp_path):
    """A 64 KiB tmpfs (needs root, as CI has); skipped where it cannot be mounted."""
    folder = tmp_path / "mailbox"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def _fill(folder) -> str:
    """Fill the disk but for a few hundred bytes; return the filler's path."""
    filler = os.path.join(folder, "filler")
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"x" * 1024)
        except OSError:
            pass
    return filler


def test_mail_waits_with_its_error_while_the_disk_is_full_then_goes_out_once(ctx, tiny_disk, config_override):
    config_override(MAIL_BACKEND="file", MAIL_FILE_DIR=str(tiny_disk), MAIL_RETRY_BACKOFF_MAX=0)
    # Queued for later, then made due: a running test worker is never handed this row.
    later = utcnow() + timedelta(hours=1)
    message_id = queue_mail(
        db.session, key="disk:1", kind="test", recipient="disk@example.org", payload={}, due_at=later
    )
    db.session.commit()
    db.session.execute(db.update(OutboxMessage).where(OutboxMessage.id == message_id).values(due_at=utcnow()))
    db.session.commit()
    filler = _fill(tiny_disk)

    with pytest.raises(delivery.TransientFailure):
        delivery.deliver(message_id)
    row = db.session.get(OutboxMessage, message_id, populate_existing=True)
    assert row.status == OutboxStatus.PENDING and "No space left" in row.last_error
    assert sorted(os.listdir(tiny_disk)) == ["filler"], "a half-written mail was left behind"

    os.remove(filler)  # the operator frees space
    assert delivery.deliver(message_id) == "sent"
    written = [name for name in os.listdir(tiny_disk) if name.endswith(".eml")]
    assert len(written) == 1 and not [name for name in os.listdir(tiny_disk) if name.endswith(".tmp")]
