"""The kinds of mail: each area declares its kinds here from its ``init_app``.

A kind names the templates ``templates/email/<kind>.txt`` and ``.html`` and may add:

* ``context(payload) -> dict``: rows looked up by id when the mail is built, so a
  mail sent later shows the text as it is then (it raises ``DoNotSend`` when the mail
  must not go out any more);
* ``on_sent(message)``: runs once the server took the mail (e.g. mark the reminder sent);
* ``alarm_on_failure``: whether admins hear of a failed mail of this kind;
* ``template``: the templates' name, when it is not the kind's own.

Mail machinery never names a kind; adding one touches only its area.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from blog.models import OutboxMessage

ContextLoader = Callable[[dict[str, Any]], dict[str, Any]]
SentHook = Callable[[OutboxMessage], None]


class UnknownKind(LookupError):
    """Mail of a kind that no area registered."""


class DoNotSend(Exception):  # noqa: N818 - it is an answer, not a failure
    """Raised by a kind's ``context`` when the mail must not go out after all; the row is canceled.

    For example a reminder whose post became a draft: its title must not reach the reader.
    """


@dataclass(frozen=True)
class MailKind:
    name: str
    context: ContextLoader | None = None
    on_sent: SentHook | None = None
    alarm_on_failure: bool = True
    template: str | None = None

    @property
    def template_name(self) -> str:
        """The name of the ``templates/email/<name>.txt`` and ``.html`` this kind renders."""
        return self.template or self.name


_KINDS: dict[str, MailKind] = {}


def register_kind(
    name: str,
    *,
    context: ContextLoader | None = None,
    on_sent: SentHook | None = None,
    alarm_on_failure: bool = True,
    template: str | None = None,
) -> MailKind:
    """Declare the kind ``name``; declaring it again with the same hooks is harmless (one app per test)."""
    kind = MailKind(name, context, on_sent, alarm_on_failure, template)
    existing = _KINDS.setdefault(name, kind)
    if existing != kind:
        raise ValueError(f"mail kind {name!r} is registered twice with different hooks")
    return kind


def get_kind(name: str) -> MailKind:
    """Return the registered kind ``name``; raise ``UnknownKind`` saying how to fix it."""
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownKind(f"no mail kind {name!r}: register it with register_kind() in its area's init_app") from None


def alarms_for(name: str) -> bool:
    """Whether a failed mail of kind ``name`` should alarm the admins (unknown kinds do)."""
    kind = _KINDS.get(name)
    return kind is None or kind.alarm_on_failure
