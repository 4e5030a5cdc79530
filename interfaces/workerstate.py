"""State one worker shares with its pool processes: the stop request and a few counters.

Celery's warm shutdown waits for running tasks but tells the pool processes nothing, so a
queue run would carry on to the end of its batch. The worker's main process creates this state
before the pool forks (the ``worker_init`` signal); its shutdown signal sets the stop flag and
the tasks check it between intents. The counters reach the ``WorkerHeartbeat`` table with each
heartbeat (never the event log).

The flag is a byte of shared memory without a lock because it is set inside a signal handler,
where waiting for a lock that a killed pool process may still hold would hang the shutdown.
The counters take their lock with a timeout for the same reason: a heartbeat may miss a count,
a worker never hangs.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from typing import Any

_LOCK_TIMEOUT = 1.0


class WorkerState:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self.started = time.monotonic()
        self._stop = multiprocessing.RawValue("b", 0)
        self._cycles = multiprocessing.Value("Q", 0)
        self._processed = multiprocessing.Value("Q", 0)
        self._idle = multiprocessing.Value("Q", 0)

    def request_stop(self) -> None:
        self._stop.value = 1

    @property
    def stop_requested(self) -> bool:
        return bool(self._stop.value)

    def count_cycle(self, processed: int, *, idle: bool = False) -> None:
        """One queue run done by any of this worker's processes (``idle``: it decided
        nothing)."""
        counts = ((self._cycles, 1), (self._processed, processed), (self._idle, int(idle)))
        for counter, amount in counts:
            lock = counter.get_lock()
            if lock.acquire(timeout=_LOCK_TIMEOUT):
                try:
                    counter.value += amount
                finally:
                    lock.release()

    def snapshot(self) -> dict[str, Any]:
        return {
            "cycles": self._cycles.value,
            "idle_cycles": self._idle.value,
            "total_processed": self._processed.value,
            "uptime_seconds": round(time.monotonic() - self.started, 1),
            "pid": self.pid,
        }


_state: WorkerState | None = None


def worker_state_init() -> WorkerState:
    """Create this worker's state; call it in the main process before the pool starts."""
    global _state
    _state = WorkerState()
    return _state


def current_worker_state() -> WorkerState | None:
    """This worker's state, or ``None`` outside a worker (eager tasks, commands)."""
    return _state


def stop_requested() -> bool:
    return _state is not None and _state.stop_requested
