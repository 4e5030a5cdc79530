"""The embedded broker: kombu's filesystem transport under ``$CONVERGE_HOME/broker``.

Used when ``CONVERGE_BROKER_URL`` is unset, so one machine runs the worker with no broker
service. Its folders must exist before any process sends or receives a message.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

from converge_site.settings.base import ensure_home

EMBEDDED_TRANSPORT = f"{__name__}:EmbeddedTransport"  # CELERY_BROKER_TRANSPORT names it
FOLDER_OPTIONS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
DRAIN_SLICE = 0.2


class EmbeddedChannel(filesystem.Channel):
    """kombu's filesystem channel with atomic sends.

    kombu creates the message file under its final name and then writes it, so a consumer that
    lists the folder in between claims an empty file and its worker dies on the JSON error.
    Here the message is written under a name no consumer looks at and renamed into place.
    """

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = f"{int(round(time.monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{uuid.uuid4().hex}.partial")
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError:
            raise ChannelError(f"Cannot add file {final!r} to directory") from None


class EmbeddedTransport(filesystem.Transport):
    """kombu's filesystem transport, drained in short slices.

    Celery's blocking consumer loop (the one for transports without an event loop) sends the
    acknowledgements of finished tasks only between two drains, and drains for two seconds: with
    a prefetch of one, a worker would sit idle for up to two seconds after every task.
    """

    Channel = EmbeddedChannel

    def drain_events(self, connection: Any, timeout: float | None = None) -> Any:
        return super().drain_events(connection, timeout=min(timeout or DRAIN_SLICE, DRAIN_SLICE))


def embedded_broker_in_use() -> bool:
    return EMBEDDED_TRANSPORT == settings.CELERY_BROKER_TRANSPORT


def embedded_broker_prepare() -> None:
    """Create the embedded broker's folders (a no-op with Redis)."""
    if not embedded_broker_in_use():
        return
    ensure_home(Path(settings.CONVERGE_HOME))
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    for key in FOLDER_OPTIONS:
        Path(options[key]).mkdir(parents=True, exist_ok=True)


def processed_messages_sweep(*, older_than_seconds: float) -> int:
    """Delete processed message files, and sends a killed process left half-written, older
    than ``older_than_seconds``; returns how many."""
    if not embedded_broker_in_use():
        return 0
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    cutoff = time.time() - older_than_seconds
    removed = 0
    leftovers = [
        *Path(options["processed_folder"]).glob("*.msg"),
        *Path(options["data_folder_out"]).glob(".*.partial"),
    ]
    for path in leftovers:
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another worker's sweep got there first
            continue
    return removed
