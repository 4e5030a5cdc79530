"""End to end: an open review keeps a validated intent out of the merge, a rejection makes the
queue reject it, an approval lets it merge."""

import pytest

from converge_core.tests.gitrepo import GitRepo
from intents.models import Intent
from intents.repositories import repository_resolve
from intents.tests.queue_helpers import validated_intent
from reviews.services import review_complete, review_request


@pytest.fixture
def repository(db, tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"README.md": "demo\n"})
    settings.CONVERGE_REPO_PATH = str(git.path)
    settings.CONVERGE_HOME = tmp_path / "home"
    repository = repository_resolve(git.path)
    validated_intent(repository, git, "held", {"docs/held.md": "a\n"})
    validated_intent(repository, git, "refused", {"docs/refused.md": "b\n"})
    return repository


def _run(cli):
    result = cli("queue", "run", "--auto-confirm", "--target", "main")
    assert result.exit_code == 0, result.stderr
    return {r["intent_id"]: r for r in result.json["results"]}


def test_reviews_hold_reject_and_release(cli, repository):
    held = review_request(intent_id="held", actor="ops")
    refused = review_request(intent_id="refused", reviewer="bob", actor="ops")
    review_complete(task_id=refused.id, resolution="rejected", notes="unsafe", actor="bob")

    results = _run(cli)
    assert results["held"]["decision"] == "review_pending"
    assert results["held"]["reason"] == "1 review(s) still pending"
    assert results["refused"]["decision"] == "rejected"
    assert results["refused"]["reason"] == "Review rejected: unsafe"
    statuses = dict(Intent.objects.values_list("id", "status"))
    assert statuses == {"held": "VALIDATED", "refused": "REJECTED"}
    assert Intent.objects.get(pk="held").retries == 0

    review_complete(task_id=held.id, resolution="approved", actor="alice")
    assert _run(cli)["held"]["decision"] == "merged"
    assert Intent.objects.get(pk="held").status == "MERGED"
