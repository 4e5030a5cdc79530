"""Worker state lives in the worker-state table, not in the log: start and stop are events,
heartbeats refresh a row that doctor's ``worker`` check and the console read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from intents.doctor import check_worker
from intents.models import WorkerHeartbeat
from intents.worker import worker_heartbeat, worker_started, worker_stopped
from interfaces import workerstate
from ledger.models import Event


@pytest.fixture
def worker_state(monkeypatch):
    state = workerstate.WorkerState()
    monkeypatch.setattr(workerstate, "_state", state)
    return state


def test_start_and_stop_are_events_heartbeats_are_a_row(db, worker_state):
    worker_started(node="w1@host", queues=["merge"], concurrency=2, beat=True)
    row = WorkerHeartbeat.objects.get()
    assert (row.node, row.stopped_at, row.cycles) == ("w1@host", None, 0)
    assert row.started_at is not None

    worker_state.count_cycle(2)
    for _ in range(3):
        worker_state.count_cycle(0, idle=True)
        worker_heartbeat(node="w1@host")
    worker_stopped(node="w1@host", exit_code=0)

    assert list(Event.objects.order_by("seq").values_list("event_type", flat=True)) == [
        "worker.started",
        "worker.stopped",
    ]
    row = WorkerHeartbeat.objects.get()
    assert (row.cycles, row.idle_cycles, row.total_processed) == (4, 3, 2)
    assert row.stopped_at is not None and row.last_seen_at >= row.started_at


def test_doctor_passes_without_workers_and_with_a_recent_heartbeat(db, worker_state):
    assert check_worker().status == "pass"
    assert "no worker has run" in check_worker().detail

    worker_started(node="w1@host", queues=["merge"], concurrency=1, beat=True)
    worker_state.count_cycle(0, idle=True)
    worker_heartbeat(node="w1@host")

    check = check_worker()
    assert check.status == "pass"
    assert check.detail.startswith("w1@host seen ")
    assert "1 cycles (1 idle), 0 processed, queue depth 0" in check.detail


def test_doctor_warns_when_every_running_worker_went_quiet(db, settings):
    settings.CONVERGE_WORKER_POLL_INTERVAL = 5.0
    settings.CONVERGE_WORKER_HEARTBEAT_CYCLES = 10
    worker_started(node="w1@host", queues=["merge"], concurrency=1, beat=True)
    WorkerHeartbeat.objects.update(last_seen_at=timezone.now() - timedelta(seconds=151))

    check = check_worker()

    assert check.status == "warn"
    assert check.detail.startswith("no heartbeat for over 150 s: w1@host seen 151 s ago")
    assert "converge worker" in check.hint
    worker_stopped(node="w1@host", exit_code=0)
    assert check_worker().status == "pass"  # it stopped: nothing is missing
    assert "stopped" in check_worker().detail


def test_the_console_lists_worker_heartbeats_and_decisions(admin_client, db):
    worker_started(node="w1@host", queues=["merge"], concurrency=1, beat=True)
    response = admin_client.get(reverse("admin:intents_workerheartbeat_changelist"))
    assert response.status_code == 200 and b"w1@host" in response.content
    response = admin_client.get(reverse("admin:intents_intentdecision_changelist"))
    assert response.status_code == 200
