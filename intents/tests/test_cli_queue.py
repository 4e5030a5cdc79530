import pytest

from converge_core.tests.gitrepo import GitRepo
from intents.locks import lock_acquire
from intents.models import Intent, QueueLock
from intents.repositories import repository_resolve
from intents.tests.queue_helpers import validated_intent
from ledger.models import Event


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"README.md": "demo\n"})
    settings.CONVERGE_REPO_PATH = str(git.path)
    settings.CONVERGE_HOME = tmp_path / "home"
    return git


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


def test_queue_run_and_inspect(cli, repo, repository):
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    inspect = cli("queue", "inspect", "--only-actionable")
    assert inspect.json["intents"][0]["intent_id"] == "a" and inspect.json["locks"] == []
    run = cli("queue", "run", "--auto-confirm", "--target", "main")
    assert run.exit_code == 0
    assert run.json["results"][0]["decision"] == "merged"
    assert run.json["processed"] == 1
    assert cli("queue", "inspect", "--status", "MERGED").json["intents"][0]["status"] == "MERGED"
    processed = Event.objects.get(event_type="queue.processed").payload
    assert (processed["processed"], processed["target"]) == (1, "main")


def test_queue_run_with_a_held_lock_exits_1_naming_the_holder(cli, repo, repository):
    lock_acquire(repository, "main", holder="host-b:42:ff", ttl=300)
    result = cli("queue", "run", "--wait", "0.1")
    assert result.exit_code == 1
    assert "waiting: queue lock" in result.stderr
    assert "held by host-b:42:ff" in result.stderr.splitlines()[-1]


def test_reset_clears_locks_even_for_an_unknown_intent(cli, repo, repository):
    lock_acquire(repository, "main", holder="host-b:42:ff", ttl=300)
    result = cli("queue", "reset", "--intent-id", "ghost", "--clear-lock")
    assert result.exit_code == 2
    assert result.json["error"]["released_locks"][0]["holder"] == "host-b:42:ff"
    assert not QueueLock.objects.exists()


def test_reset_zeroes_retries_and_sets_status(cli, repo, repository):
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    Intent.objects.filter(pk="a").update(status="REJECTED", retries=3)
    result = cli("queue", "reset", "--intent-id", "a", "--set-status", "READY")
    assert result.json == {"intent_id": "a", "status": "READY", "retries": 0}
    assert cli("queue", "reset").exit_code == 2


@pytest.mark.parametrize(
    "args", [["--limit", "0"], ["--max-retries", "0"], ["--target", "bad..name", "--wait", "0"]]
)
def test_queue_run_bad_input(cli, repo, repository, args):
    assert cli("queue", "run", *args).exit_code == 2


def test_merge_confirm(cli, repo, repository):
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    assert cli("merge", "confirm", "--intent-id", "a", "--merged-commit", "abc").exit_code == 2
    done = cli("merge", "confirm", "--intent-id", "a")
    assert done.json == {"intent_id": "a", "status": "MERGED", "merged_commit": None}
    event = Event.objects.get(intent_id="a", event_type="intent.merged")
    assert event.payload["confirmed_without_sha"] is True
    again = cli("merge", "confirm", "--intent-id", "a")
    assert again.exit_code == 2 and "expected QUEUED or VALIDATED" in again.stderr
    assert cli("merge", "confirm", "--intent-id", "nope").exit_code == 2
