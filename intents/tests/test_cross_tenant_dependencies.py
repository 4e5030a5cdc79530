"""A dependency on another tenant's intent is an unknown id: at creation it is answered
exactly like an id that does not exist (nothing about it shows), and at queue time it never
satisfies the dependency (decisions §15, §41)."""

import pytest

from conftest import OTHER_TENANT, TENANT, api_client
from converge_core.tests.gitrepo import GitRepo
from intents.models import Intent
from intents.queue import QueueOptions, queue_run
from intents.repositories import repository_resolve
from intents.selectors import intent_overview
from intents.tests.factories import create_intent
from intents.tests.queue_helpers import validated_intent
from ledger.models import Event


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"README.md": "demo\n"})
    for name in ("f/a", "f/b", "f/c"):
        git.branch(name)
    settings.CONVERGE_HOME = tmp_path / "home"
    settings.CONVERGE_REPO_PATH = str(git.path)
    return git


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


@pytest.fixture
def operator(api_key):
    return api_client(api_key("operator"))


def _run(repository):
    return queue_run(
        repository=repository, options=QueueOptions(targets=["main"], auto_confirm=True)
    )


def _created(response):
    body = response.json()
    return response.status_code, {key: value for key, value in body.items() if key != "intent_id"}


def test_creation_answers_a_foreign_dependency_like_an_unknown_one(repository, operator):
    create_intent(repository, "theirs", tenant_id=OTHER_TENANT)
    foreign = operator.post(
        "/v1/intents", {"id": "a", "source": "f/a", "dependencies": ["theirs"]}, format="json"
    )
    unknown = operator.post(
        "/v1/intents", {"id": "b", "source": "f/b", "dependencies": ["ghost"]}, format="json"
    )
    assert _created(foreign) == _created(unknown) == (200, {"ok": True, "status": "READY"})
    assert Intent.objects.get(pk="a").dependencies == ["theirs"]


def test_a_cycle_through_another_tenant_is_not_revealed(repository, operator):
    # Seen across tenants, a -> theirs -> a would be a cycle: refusing it would tell the
    # caller that "theirs" exists and depends on "a".
    create_intent(repository, "theirs", tenant_id=OTHER_TENANT, dependencies=["a"])
    response = operator.post(
        "/v1/intents", {"id": "a", "source": "f/a", "dependencies": ["theirs"]}, format="json"
    )
    assert response.status_code == 200, response.json()
    patched = operator.patch("/v1/intents/a", {"dependencies": ["theirs", "ghost"]}, format="json")
    assert patched.status_code == 200
    assert patched.json()["dependencies"] == ["theirs", "ghost"]


def test_a_cycle_within_the_tenant_is_still_refused(repository, operator):
    create_intent(repository, "mine", tenant_id=TENANT, dependencies=["a"])
    response = operator.post(
        "/v1/intents", {"id": "a", "source": "f/a", "dependencies": ["mine"]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Dependency cycle: a → mine → a"


def test_a_merged_foreign_intent_never_satisfies_a_dependency(repo, repository):
    create_intent(repository, "theirs", tenant_id=OTHER_TENANT)
    create_intent(repository, "ours", tenant_id=TENANT)
    Intent.objects.filter(pk__in=["theirs", "ours"]).update(status="MERGED")
    validated_intent(
        repository, repo, "blocked", {"a.txt": "a\n"}, tenant_id=TENANT, dependencies=["theirs"]
    )
    validated_intent(
        repository, repo, "free", {"b.txt": "b\n"}, tenant_id=TENANT, dependencies=["ours"]
    )

    outcome = _run(repository)

    rows = {row["intent_id"]: row for row in outcome["results"]}
    assert (rows["blocked"]["decision"], rows["blocked"]["reason"]) == (
        "dependency_blocked",
        "Dependency missing: theirs",
    )
    assert rows["free"]["decision"] == "merged"
    blocked = Intent.objects.get(pk="blocked")
    assert (blocked.status, blocked.retries) == ("VALIDATED", 0)
    event = Event.objects.get(intent_id="blocked", event_type="intent.dependency_blocked")
    assert event.payload["unmet_dependencies"] == ["theirs"]


def test_a_foreign_intent_in_the_same_batch_neither_orders_nor_unblocks(repo, repository):
    validated_intent(repository, repo, "theirs", {"t.txt": "t\n"}, tenant_id=OTHER_TENANT)
    validated_intent(
        repository, repo, "mine", {"m.txt": "m\n"}, tenant_id=TENANT, dependencies=["theirs"]
    )
    outcome = _run(repository)
    decisions = {row["intent_id"]: row["decision"] for row in outcome["results"]}
    assert decisions == {"theirs": "merged", "mine": "dependency_blocked"}
    assert Intent.objects.get(pk="mine").status == "VALIDATED"


def test_intent_status_shows_a_foreign_dependency_as_unknown(repository):
    create_intent(repository, "theirs", tenant_id=OTHER_TENANT)
    create_intent(repository, "ours", tenant_id=TENANT)
    create_intent(repository, "mine", tenant_id=TENANT, dependencies=["theirs", "ours"])
    overview = intent_overview("mine")
    assert overview["dependencies"] == [
        {"id": "theirs", "status": None},
        {"id": "ours", "status": "READY"},
    ]
    assert overview["unmet_dependencies"] == ["theirs", "ours"]
