"""The embedded broker: one file per message under ``$CONVERGE_HOME/broker``.

Used when ``CONVERGE_BROKER_URL`` is unset, so one machine runs the worker with no broker
service. It is kombu's filesystem transport made safe for many processes:

- a producer writes each message into ``staging/`` and renames it into ``messages/`` once
  complete, so a consumer never sees half a message;
- a consumer claims a message by renaming it into ``claimed/``: a rename succeeds for exactly
  one process, so no message is delivered twice;
- the acknowledgement deletes the claimed file; a message the worker gives back (shutdown, a
  rejection) is written to ``messages/`` again before its claim is deleted;
- a file that still cannot be read (left by an older release that wrote in place) is moved to
  ``damaged/`` and logged, and the consumer goes on with the next message;
- the exchange tables in ``control/`` are replaced whole, under a lock, never rewritten in place.

A worker that crashes leaves its claimed messages behind: the hourly sweep puts claims older
than :data:`CLAIM_TIMEOUT_SECONDS` back into ``messages/`` (as Redis redelivers after its
visibility timeout), and the beat's database sweeps re-drive the work the rows say is pending.
Messages are not flushed to disk: a crash of the operating system may lose the last ones.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from queue import Empty
from typing import Any

from django.conf import settings
from kombu import Connection, Producer
from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

from converge_site.brokerfolders import FOLDER_OPTIONS
from converge_site.brokerfolders import transport_options as transport_options

logger = logging.getLogger("converge.broker")

EMBEDDED_TRANSPORT = f"{__name__}:EmbeddedTransport"  # CELERY_BROKER_TRANSPORT names it
DRAIN_SLICE = 0.2
BUSY_POLL = 0.005
# Longer than any task can hold its message (the longest hard time limit, 960 s, plus the wait
# of a prefetched message behind one more task), as Redis's visibility timeout.
CLAIM_TIMEOUT_SECONDS = 3600.0
# A staging file this old belongs to a producer that died while writing it.
STAGING_TIMEOUT_SECONDS = 3600.0
SUFFIX = ".msg"


def _write_atomically(path: Path, data: bytes, staging: Path) -> None:
    """Write ``data`` to ``path`` through a complete file in ``staging`` and one rename."""
    temporary = staging / f"{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ChannelError(f"cannot write {path}: {exc}") from exc


class EmbeddedChannel(filesystem.Channel):
    """kombu's filesystem channel with atomic writes, claims by rename and deleting acks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # delivery tag -> claimed file, until the message is acknowledged, rejected or restored
        self._claims: dict[str, Path] = {}
        self._no_ack_queues: set[str] = set()

    def _folder(self, key: str) -> Path:
        return Path(self.transport_options[key])

    # --- messages ------------------------------------------------------------------------
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = f"{time.time_ns():020d}_{uuid.uuid4().hex}.{queue}{SUFFIX}"
        _write_atomically(
            Path(self.data_folder_out) / name,
            str_to_bytes(dumps(payload)),
            self._folder("staging_folder"),
        )

    def _queue_files(self, queue: str) -> list[str]:
        suffix = f".{queue}{SUFFIX}"
        return sorted(name for name in os.listdir(self.data_folder_in) if name.endswith(suffix))

    def _get(self, queue: str) -> Any:
        inbox = Path(self.data_folder_in)
        claimed_folder = self._folder("claimed_folder")
        for name in self._queue_files(queue):
            claimed = claimed_folder / name
            try:
                os.rename(inbox / name, claimed)
            except FileNotFoundError:
                continue  # another consumer claimed it first
            except OSError as exc:
                raise ChannelError(f"cannot claim {inbox / name}: {exc}") from exc
            os.utime(claimed)  # the claim's age, read by the sweep
            try:
                payload = loads(bytes_to_str(claimed.read_bytes()))
                tag = payload["properties"]["delivery_tag"]
            except (ValueError, KeyError, TypeError) as exc:
                self._set_aside(claimed, exc)
                continue
            if queue in self._no_ack_queues:
                claimed.unlink(missing_ok=True)
            else:
                self._claims[tag] = claimed
            return payload
        raise Empty()

    def _set_aside(self, claimed: Path, error: Exception) -> None:
        damaged = self._folder("damaged_folder") / claimed.name
        os.replace(claimed, damaged)
        logger.error("embedded broker: unreadable message moved to %s: %s", damaged, error)

    def _settle(self, delivery_tag: str) -> None:
        claimed = self._claims.pop(delivery_tag, None)
        if claimed is not None:
            claimed.unlink(missing_ok=True)

    def _purge(self, queue: str) -> int:
        count = 0
        for name in self._queue_files(queue):
            try:
                os.remove(os.path.join(self.data_folder_in, name))
                count += 1
            except FileNotFoundError:
                continue
        return count

    def _size(self, queue: str) -> int:
        return len(self._queue_files(queue))

    # --- acknowledgements ----------------------------------------------------------------
    def basic_consume(self, queue: str, no_ack: bool, *args: Any, **kwargs: Any) -> Any:
        if no_ack:
            self._no_ack_queues.add(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def basic_get(self, queue: str, no_ack: bool = False, **kwargs: Any) -> Any:
        message = super().basic_get(queue, no_ack=no_ack, **kwargs)
        if message is not None and no_ack:
            self._settle(message.delivery_tag)
        return message

    def basic_ack(self, delivery_tag: str, multiple: bool = False) -> None:
        super().basic_ack(delivery_tag, multiple=multiple)
        self._settle(delivery_tag)

    def basic_reject(self, delivery_tag: str, requeue: bool = False) -> None:
        super().basic_reject(delivery_tag, requeue=requeue)
        self._settle(delivery_tag)

    def _restore(self, message: Any) -> None:
        super()._restore(message)  # written to messages/ again first
        self._settle(message.delivery_tag)

    # --- exchange tables -----------------------------------------------------------------
    def get_table(self, exchange: str) -> list[Any]:
        path = self.control_folder / f"{exchange}.exchange"
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return []
        try:
            return [filesystem.exchange_queue_t(*row) for row in loads(bytes_to_str(raw))]
        except (ValueError, TypeError) as exc:
            raise ChannelError(f"{path} is damaged (a worker's start rebuilds it)") from exc

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        control = self.control_folder
        control.mkdir(parents=True, exist_ok=True)
        row = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with (control / f"{exchange}.exchange.lock").open("a") as lock_file:
            filesystem.lock(lock_file, filesystem.LOCK_EX)
            try:
                try:
                    table = self.get_table(exchange)
                except ChannelError:
                    table = []  # damaged: rebuilt from the bindings declared from now on
                if row not in table:
                    _write_atomically(
                        control / f"{exchange}.exchange",
                        str_to_bytes(dumps([row, *table])),
                        self._folder("staging_folder"),
                    )
            finally:
                filesystem.unlock(lock_file)


class EmbeddedTransport(filesystem.Transport):
    """The embedded transport, drained in short slices.

    Celery's blocking consumer loop (the one for transports without an event loop) sends the
    acknowledgements of finished tasks only between two drains, and drains for two seconds: with
    a prefetch of one, a worker would sit idle for up to two seconds after every task. A drain
    here polls empty queues every ``polling_interval`` for at most :data:`DRAIN_SLICE`, and
    returns within :data:`BUSY_POLL` when the consumer's prefetch is used up.
    """

    Channel = EmbeddedChannel

    def drain_events(self, connection: Any, timeout: float | None = None) -> Any:
        timeout = min(timeout or DRAIN_SLICE, DRAIN_SLICE)
        started = time.monotonic()
        while True:
            try:
                return self.cycle.get(self._deliver, timeout=timeout)
            except Empty:
                if self._prefetch_full():
                    # Only an acknowledgement frees a slot, and the loop sends those between
                    # two drains: hand back at once.
                    time.sleep(BUSY_POLL)
                    raise TimeoutError() from None
                if time.monotonic() - started >= timeout:
                    raise TimeoutError() from None
                time.sleep(self.polling_interval)

    def _prefetch_full(self) -> bool:
        return any(
            channel._consumers and not channel.qos.can_consume() for channel in self.channels
        )


def embedded_broker_in_use() -> bool:
    return EMBEDDED_TRANSPORT == settings.CELERY_BROKER_TRANSPORT


def folders_prepare(options: dict[str, Any]) -> None:
    for key in FOLDER_OPTIONS:
        Path(options[key]).mkdir(parents=True, exist_ok=True)


def embedded_broker_prepare() -> None:
    """Create the embedded broker's folders (a no-op with Redis)."""
    from converge_site.settings.base import ensure_home  # settings import this module

    if not embedded_broker_in_use():
        return
    ensure_home(Path(settings.CONVERGE_HOME))
    folders_prepare(settings.CELERY_BROKER_TRANSPORT_OPTIONS)


def _older_than(folder: Path, seconds: float, pattern: str) -> list[Path]:
    cutoff = time.time() - seconds
    found = []
    for path in folder.glob(pattern):
        try:
            if path.stat().st_mtime < cutoff:
                found.append(path)
        except FileNotFoundError:  # acknowledged or swept meanwhile
            continue
    return found


def _each(paths: list[Path], action: Callable[[Path], None]) -> int:
    done = 0
    for path in paths:
        try:
            action(path)
            done += 1
        except FileNotFoundError:  # another worker's sweep got there first
            continue
    return done


def embedded_broker_sweep(
    options: dict[str, Any],
    *,
    claim_timeout: float = CLAIM_TIMEOUT_SECONDS,
    staging_timeout: float = STAGING_TIMEOUT_SECONDS,
) -> dict[str, int]:
    """Put the claims of crashed workers back into the queue and delete abandoned staging files.

    Returns how many of each (``restored``, ``abandoned``).
    """
    inbox = Path(options["data_folder_in"])
    stale = _older_than(Path(options["claimed_folder"]), claim_timeout, f"*{SUFFIX}")
    restored = _each(stale, lambda path: os.rename(path, inbox / path.name))
    if restored:
        logger.warning("embedded broker: %d message(s) of a stopped worker requeued", restored)
    abandoned = _each(
        _older_than(Path(options["staging_folder"]), staging_timeout, "*"), Path.unlink
    )
    return {"restored": restored, "abandoned": abandoned}


def broker_sweep() -> dict[str, int]:
    """The sweep of the configured embedded broker (nothing with Redis)."""
    if not embedded_broker_in_use():
        return {"restored": 0, "abandoned": 0}
    return embedded_broker_sweep(settings.CELERY_BROKER_TRANSPORT_OPTIONS)


def embedded_broker_state(options: dict[str, Any]) -> dict[str, int]:
    """What the folders hold: messages waiting, claimed, claimed for too long, damaged."""
    claimed = Path(options["claimed_folder"])
    return {
        "waiting": sum(1 for _ in Path(options["data_folder_in"]).glob(f"*{SUFFIX}")),
        "claimed": sum(1 for _ in claimed.glob(f"*{SUFFIX}")),
        "stale": len(_older_than(claimed, CLAIM_TIMEOUT_SECONDS, f"*{SUFFIX}")),
        "damaged": sum(1 for _ in Path(options["damaged_folder"]).iterdir()),
    }


def embedded_broker_round_trip(options: dict[str, Any], *, timeout: float = 3.0) -> None:
    """Send one message to a queue of its own and take it back, acknowledged; raises
    ``ChannelError`` (or ``OSError``) when the broker cannot."""
    queue = f"doctor-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    token = uuid.uuid4().hex
    with Connection(
        "filesystem://", transport=EmbeddedTransport, transport_options=options
    ) as connection:
        channel = connection.default_channel
        Producer(channel).publish({"probe": token}, exchange="", routing_key=queue)
        deadline = time.monotonic() + timeout
        message = channel.basic_get(queue)
        while message is None and time.monotonic() < deadline:
            time.sleep(0.05)
            message = channel.basic_get(queue)
        if message is None:
            raise ChannelError("a message sent was never received")
        message.ack()
        if message.decode() != {"probe": token}:
            raise ChannelError("a message came back changed")
