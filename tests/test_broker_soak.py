"""Soak of the embedded broker: 4 producer processes send 2,000 tasks while 2 worker processes
consume them; every task runs exactly once and no worker restarts.

The load (``bench.brokerload``) uses no database, so the test runs in the SQLite pass of
``make test`` only (the PostgreSQL pass would repeat the same thing).
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from bench import brokerload
from converge_site.broker import transport_options
from intents.tests.worker_helpers import wait_until

TASKS = 2000
PRODUCERS = 4
WORKERS = 2
CONCURRENCY = 2

pytestmark = [
    pytest.mark.slow,
    pytest.mark.process,
    pytest.mark.skipif(
        settings.DB_BACKEND != "sqlite", reason="needs no database: runs in the SQLite pass"
    ),
]


def test_every_task_sent_by_concurrent_producers_runs_exactly_once(tmp_path):
    brokerload.load_prepare(tmp_path)
    folders = transport_options(tmp_path / "broker")
    workers = brokerload.start_workers(tmp_path, WORKERS, concurrency=CONCURRENCY)
    try:
        producers = brokerload.start_producers(tmp_path, TASKS, PRODUCERS)
        assert [producer.wait(60) for producer in producers] == [0] * PRODUCERS
        brokerload.wait_for_runs(tmp_path, TASKS, timeout=45)

        runs = brokerload.runs(tmp_path)
        assert set(runs) == {brokerload.task_id(number) for number in range(TASKS)}
        assert {task: seen for task, seen in runs.items() if seen != 1} == {}
        # No worker restarted, nor any pool process of theirs.
        assert [worker.poll() for worker in workers] == [None] * WORKERS
        assert len(brokerload.run_pids(tmp_path)) <= WORKERS * CONCURRENCY
        # Each acknowledgement deleted its message.
        assert wait_until(lambda: not os.listdir(folders["claimed_folder"]), timeout=10)
        assert os.listdir(folders["data_folder_in"]) == []
    finally:
        codes = brokerload.stop(workers)

    assert codes == [0] * WORKERS
    for key in ("data_folder_in", "claimed_folder", "staging_folder", "damaged_folder"):
        assert os.listdir(folders[key]) == [], key
    logs = "".join(path.read_text() for path in (tmp_path / "logs").iterdir())
    assert "Traceback" not in logs and "Unrecoverable" not in logs
    assert len(brokerload.runs(tmp_path)) == TASKS  # nothing ran again at shutdown
