"""The embedded broker: kombu's SQLAlchemy transport, made to accept the usual transport options.

kombu passes every broker transport option to ``create_engine``, so the
``polling_interval`` that the virtual transport itself reads (and the
``visibility_timeout`` shared with Redis) would break the engine. This channel
strips them; ``use_embedded_transport`` points the ``sqla`` scheme at it.
"""

from __future__ import annotations

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import sqlalchemy as kombu_sqlalchemy
from sqlalchemy import create_engine

_NOT_FOR_THE_ENGINE = {
    "queue_tablename",
    "message_tablename",
    "callback",
    "errback",
    "max_retries",
    "interval_start",
    "interval_step",
    "interval_max",
    "retry_errors",
    "polling_interval",
    "visibility_timeout",
}


class Channel(kombu_sqlalchemy.Channel):
    def _engine_from_config(self):
        client = self.connection.client
        options = {k: v for k, v in client.transport_options.items() if k not in _NOT_FOR_THE_ENGINE}
        return create_engine(client.hostname, **options)


class Transport(kombu_sqlalchemy.Transport):
    Channel = Channel


def use_embedded_transport() -> None:
    """Serve ``sqla+...`` broker URLs with this module's transport."""
    TRANSPORT_ALIASES["sqla"] = f"{__name__}:Transport"
    TRANSPORT_ALIASES["sqlalchemy"] = f"{__name__}:Transport"
