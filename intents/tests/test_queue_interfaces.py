"""The queue's commands and endpoints: position, list, jump, pause, resume and analytics."""

from __future__ import annotations

import pytest

from conftest import TENANT
from intents.models import QueueControl
from intents.repositories import repository_resolve
from intents.tests.batch_helpers import checked_repo, queued_intent, write_policy
from ledger.models import Event


@pytest.fixture
def home(tmp_path, settings):
    settings.CONVERGE_HOME = tmp_path / "home"
    return tmp_path / "home"


@pytest.fixture
def repo(tmp_path, home, settings):
    write_policy(home, {"lint": ["python3", "check.py"]})
    repo = checked_repo(tmp_path / "repo")
    settings.CONVERGE_REPO_PATH = str(repo.path)
    return repo


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


def test_position_and_queue_list_on_the_command_line(cli, repo, repository):
    queued_intent(repository, repo, "a")
    queued_intent(repository, repo, "b")

    position = cli("queue", "position", "--intent-id", "b")
    listed = cli("queue", "list")
    status = cli("intent", "status", "--intent-id", "b")

    assert position.exit_code == 0
    assert (position.json["position"], position.json["of"], position.json["window"]) == (2, 2, 4)
    assert position.json["eta_seconds"] is None  # nothing measured yet
    assert [row["intent_id"] for row in listed.json["queues"][0]["intents"]] == ["a", "b"]
    assert status.json["queue"]["position"] == 2
    assert cli("queue", "position", "--intent-id", "nope").exit_code != 0


def test_pause_resume_and_jump_on_the_command_line(cli, repo, repository):
    queued_intent(repository, repo, "a")

    paused = cli("queue", "pause", "--target", "main", "--reason", "release 1.2")
    held = cli("queue", "run", "--auto-confirm")
    inspect = cli("queue", "inspect")
    resumed = cli("queue", "resume", "--target", "main")
    jumped = cli("queue", "jump", "--intent-id", "a", "--reason", "hotfix")

    assert paused.exit_code == 0 and paused.json["paused"] is True
    assert held.json["held"][0]["reason"] == "release 1.2"
    assert inspect.json["held"] == [held.json["held"][0]]
    assert resumed.json["paused"] is False
    assert jumped.json["changed"] is True
    assert cli("queue", "pause", "--reason", " ").exit_code == 2
    assert cli("queue", "jump", "--intent-id", "a").exit_code == 2  # --reason is required


def test_analytics_lists_bisections_blocks_and_flaky_checks(cli, tmp_path, home, repo, repository):
    counter = tmp_path / "counter.json"
    write_policy(
        home,
        {
            "lint": ["python3", "check.py"],
            "unit": ["python3", "flaky.py", str(counter)],
            "flaky_retries": 1,
        },
    )
    for name in "abcd":
        queued_intent(repository, repo, name, broken=name == "b", checks_required=["unit"])
    assert cli("queue", "run", "--auto-confirm").exit_code == 0

    result = cli("queue", "analytics", "--since", "24h")

    assert result.exit_code == 0
    main = result.json["targets"]["main"]
    assert main["merges"] == 3
    assert main["blocks"]["by_gate"] == {"batch_checks": 1}
    assert main["batches"]["by_size"] == {"4": {"passed": 0, "failed": 1}}
    assert main["bisections"] == {
        "runs": 1,
        "trees_tested": main["tree_tests"] - 1,
        "failing_found": 1,
    }
    assert main["flaky_checks"] == ["unit"]
    assert main["checks"]["unit"]["flaky"] >= 1 and main["checks"]["lint"]["flaky"] == 0
    assert main["check_runs"] == sum(c["attempts"] for c in main["checks"].values())
    assert main["time_in_queue_seconds"]["count"] == 3
    assert cli("queue", "analytics", "--since", "yesterday").exit_code == 2


def test_the_queue_endpoints(api_operator, api_viewer, repo, repository):
    queued_intent(repository, repo, "acme-a", tenant_id=TENANT)

    listed = api_viewer.get("/v1/queue")
    detail = api_viewer.get("/v1/intents/acme-a")
    jump = api_operator.post(
        "/v1/queue/jump", {"intent_id": "acme-a", "reason": "hotfix"}, format="json"
    )
    pause = api_operator.post("/v1/queue/pause", {"reason": "release"}, format="json")
    resume = api_operator.post("/v1/queue/resume", {"target": "main"}, format="json")
    analytics = api_viewer.get("/v1/queue/analytics?since=2026-01-01T00:00:00Z")

    assert listed.status_code == 200
    assert listed.json()["queues"][0]["intents"][0]["intent_id"] == "acme-a"
    assert detail.json()["queue"]["position"] == 1
    assert jump.status_code == 200 and jump.json()["actor"] == "operator-bot"
    assert pause.status_code == 200 and pause.json()["paused"] is True
    assert resume.status_code == 200 and resume.json()["changed"] is True
    assert not QueueControl.objects.get(target="main").paused
    assert analytics.status_code == 200 and analytics.json()["repository"] == repository.name
    assert [
        e.event_type for e in Event.objects.filter(event_type__startswith="queue.").order_by("seq")
    ] == [
        "queue.jumped",
        "queue.paused",
        "queue.resumed",
    ]


def test_the_queue_writes_need_an_operator_and_a_reason(api_operator, api_viewer, repository):
    assert api_viewer.post("/v1/queue/pause", {"reason": "x"}, format="json").status_code == 403
    missing = api_operator.post("/v1/queue/pause", {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["error"]["message"]
    unknown = api_operator.post(
        "/v1/queue/jump", {"intent_id": "nope", "reason": "x"}, format="json"
    )
    assert unknown.status_code == 404
    bad_since = api_operator.get("/v1/queue/analytics?since=soon")
    assert bad_since.status_code == 400
    assert not QueueControl.objects.exists()


def test_metrics_expose_the_queue_figures_of_the_last_day(cli, api_viewer, repo, repository):
    for name in "ab":
        queued_intent(repository, repo, name, broken=name == "b")
    cli("queue", "run", "--auto-confirm")
    cli("queue", "pause", "--reason", "release")

    text = api_viewer.get("/metrics").content.decode()

    named = f'repository="{repository.name}"'
    where = f'{named},target="main"'  # labels print in name order
    assert f"converge_queue_merges{{{where}}} 1.0" in text
    assert f'converge_queue_blocks{{gate="batch_checks",{where}}} 1.0' in text
    assert f'converge_queue_batches{{outcome="failed",{named},size="2",target="main"}} 1.0' in text
    assert f"converge_queue_bisections{{{where}}} 1.0" in text
    assert f"converge_queue_check_runs{{{where}}} 2.0" in text  # [a, b] red, then [a] green
    assert f'converge_queue_check_flaky_rate{{check="lint",{where}}} 0.0' in text
    assert f'converge_queue_check_duration_seconds{{check="lint",quantile="p95",{where}}}' in text
    assert f'converge_queue_wait_seconds{{quantile="p50",{where}}}' in text
    assert f"converge_queue_paused{{{where}}} 1.0" in text
