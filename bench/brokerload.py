"""A load on a Celery broker: producer and worker processes of a minimal Celery app.

Every process reads its place from ``BROKERLOAD_DIR``: the broker lives in ``broker/`` (the
embedded transport, unless ``BROKERLOAD_TRANSPORT`` and ``BROKERLOAD_URL`` name another kombu
transport), and each run of :func:`record` creates one file ``runs/<task id>.<pid>.<unique>``,
so a task that ran twice leaves two files and one that never ran leaves none. Workers write
``ready/<node>`` once they consume. No database and no Django settings are involved.

    python -m bench.brokerload produce FIRST COUNT        # sends tasks FIRST .. FIRST+COUNT-1
    python -m celery -A bench.brokerload worker ...        # what load_worker_command() builds
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import worker_ready

from converge_site.broker import EMBEDDED_TRANSPORT, transport_options

ROOT = Path(__file__).resolve().parent.parent
HOME = Path(os.environ.get("BROKERLOAD_DIR", "brokerload"))
QUEUE = "default"
EMBEDDED = "BROKERLOAD_TRANSPORT" not in os.environ

app = Celery("brokerload", fixups=[], set_as_current=False)
app.conf.update(
    broker_url=os.environ.get("BROKERLOAD_URL", "filesystem://localhost/"),
    broker_transport=os.environ.get("BROKERLOAD_TRANSPORT", EMBEDDED_TRANSPORT),
    broker_transport_options=transport_options(HOME / "broker") if EMBEDDED else {},
    broker_connection_retry_on_startup=True,
    # As Converge's worker runs (converge_site/settings/base.py).
    accept_content=["json"],
    task_serializer="json",
    task_ignore_result=True,
    task_acks_late=True,
    task_reject_on_worker_lost=False,
    worker_prefetch_multiplier=1,
    worker_enable_remote_control=False,
    worker_hijack_root_logger=False,
    task_default_queue=QUEUE,
)


@app.task(name="brokerload.record", bind=True)
def record(self: Any, number: int) -> None:
    (HOME / "runs" / f"{self.request.id}.{os.getpid()}.{uuid.uuid4().hex[:8]}").touch()


@worker_ready.connect
def _announce(sender: Any, **_: Any) -> None:
    (HOME / "ready" / sender.hostname).touch()


def load_prepare(home: Path) -> None:
    """Create the folders of a load in ``home`` (the broker's among them)."""
    for name in ("runs", "ready", "logs"):
        (home / name).mkdir(parents=True, exist_ok=True)
    if EMBEDDED:
        for folder in transport_options(home / "broker").values():
            if isinstance(folder, str):
                Path(folder).mkdir(parents=True, exist_ok=True)


def purge() -> None:
    """Empty the queue of a broker shared between loads, such as Redis (an embedded broker is
    a folder of its load)."""
    if EMBEDDED:
        return
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(QUEUE)


def task_id(number: int) -> str:
    return f"load-{number:06d}"


def produce(first: int, count: int) -> None:
    with app.producer_or_acquire() as producer:
        for number in range(first, first + count):
            record.apply_async((number,), task_id=task_id(number), producer=producer)


def load_env(home: Path) -> dict[str, str]:
    env = {**os.environ, "BROKERLOAD_DIR": str(home)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def load_worker_command(node: str, *, concurrency: int, pool: str = "prefork") -> list[str]:
    return [
        *(sys.executable, "-m", "celery", "-A", "bench.brokerload", "worker"),
        *("--hostname", f"{node}@localhost", "--pool", pool, "--concurrency", str(concurrency)),
        *("--queues", QUEUE, "--loglevel", "WARNING"),
        *("--without-mingle", "--without-gossip", "--without-heartbeat"),
    ]


def start_workers(home: Path, count: int, *, concurrency: int) -> list[subprocess.Popen[bytes]]:
    """``count`` worker processes, each with its own process group and log; waits until every
    one consumes."""
    workers = []
    for index in range(count):
        log = (home / "logs" / f"worker-{index}.log").open("wb")
        workers.append(
            subprocess.Popen(
                load_worker_command(f"w{index}", concurrency=concurrency),
                env=load_env(home),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    deadline = time.monotonic() + 60
    while len(list((home / "ready").iterdir())) < count:
        if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
            raise RuntimeError(f"workers did not start: see {home / 'logs'}")
        time.sleep(0.1)
    return workers


def start_producers(home: Path, total: int, count: int) -> list[subprocess.Popen[bytes]]:
    """``count`` producer processes sending ``total`` tasks between them."""
    share = -(-total // count)
    producers = []
    for index, first in enumerate(range(0, total, share)):
        log = (home / "logs" / f"producer-{index}.log").open("wb")
        producers.append(
            subprocess.Popen(
                [sys.executable, "-m", "bench.brokerload", "produce", str(first)]
                + [str(min(share, total - first))],
                env=load_env(home),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    return producers


def runs(home: Path) -> Counter[str]:
    """How many times each task ran."""
    return Counter(path.name.split(".", 1)[0] for path in (home / "runs").iterdir())


def run_pids(home: Path) -> set[int]:
    return {int(path.name.split(".")[1]) for path in (home / "runs").iterdir()}


def wait_for_runs(home: Path, total: int, *, timeout: float) -> float:
    """Seconds until ``total`` distinct tasks ran (or the timeout passed)."""
    started = time.monotonic()
    while len(runs(home)) < total and time.monotonic() - started < timeout:
        time.sleep(0.05)
    return time.monotonic() - started


def stop(processes: list[subprocess.Popen[bytes]], *, timeout: float = 30) -> list[int]:
    """SIGTERM to each process (a worker drains and stops its pool), then SIGKILL to whatever
    is left of its process group after ``timeout``; returns the exit codes."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    codes = []
    for process in processes:
        try:
            codes.append(process.wait(timeout))
        except subprocess.TimeoutExpired:
            codes.append(-signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    return codes


if __name__ == "__main__":
    if sys.argv[1:2] == ["produce"]:
        produce(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(__doc__)
