"""`converge worker` and `converge beat` refuse bad options before starting anything."""

from __future__ import annotations

from ledger.models import Event


def test_an_unknown_queue_is_refused_and_nothing_starts(cli):
    result = cli("worker", "--queues", "merge,bogus")

    assert result.exit_code == 2
    assert result.json["error"]["message"].startswith("--queues: unknown queue(s) bogus")
    assert not Event.objects.filter(event_type="worker.started").exists()


def test_a_concurrency_below_one_is_refused(cli):
    result = cli("worker", "--concurrency", "0")

    assert result.exit_code == 2
    assert result.json["error"]["message"] == "--concurrency must be at least 1"


def test_help_names_the_split_deployment(cli):
    worker = cli("worker", "--help")
    beat = cli("beat", "--help")

    assert worker.exit_code == 0 and "--no-beat" in worker.stdout
    assert beat.exit_code == 0 and "--schedule" in beat.stdout
