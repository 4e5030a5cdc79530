import pytest

from converge_core.tests.gitrepo import GitRepo
from intents.models import Intent
from intents.queue import QueueOptions, queue_run
from intents.repositories import repository_resolve
from intents.tests.factories import create_intent
from intents.tests.queue_helpers import validated_intent
from ledger.chain import chain_verify
from ledger.models import Event


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"src/config.py": "TIMEOUT = 30\n", "README.md": "demo\n"})
    settings.CONVERGE_HOME = tmp_path / "home"
    return git


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


def _run(repository, **options):
    return queue_run(repository=repository, options=QueueOptions(targets=["main"], **options))


def _decisions(outcome):
    return {row["intent_id"]: row["decision"] for row in outcome["results"]}


def test_clean_intents_merge_into_the_checked_out_main(repo, repository):
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    validated_intent(repository, repo, "b", {"docs/b.md": "b\n"})

    outcome = _run(repository, auto_confirm=True)

    assert _decisions(outcome) == {"a": "merged", "b": "merged"}
    assert set(Intent.objects.values_list("status", flat=True)) == {"MERGED"}
    assert repo.files("main").keys() >= {"docs/a.md", "docs/b.md"}
    assert (repo.path / "docs/b.md").read_text() == "b\n"  # the checkout advanced too
    assert repo.status() == ""
    merge = Event.objects.get(intent_id="b", event_type="intent.merged").payload
    assert merge["merged_commit"] == repo.rev("main")
    assert repo.parents("main")[1] == repo.rev("feature/b")
    assert chain_verify()["valid"] is True


def test_without_auto_confirm_intents_wait_queued(repo, repository):
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    outcome = _run(repository)
    assert _decisions(outcome) == {"a": "queued"}
    assert Intent.objects.get(pk="a").status == "QUEUED"
    change = Event.objects.filter(intent_id="a", event_type="intent.status_changed").get()
    assert (change.payload["from"], change.payload["to"]) == ("VALIDATED", "QUEUED")
    # a QUEUED intent is revalidated and merged by the next run with --auto-confirm
    assert _decisions(_run(repository, auto_confirm=True)) == {"a": "merged"}


def test_a_conflicting_pair_merges_the_first_and_names_it_for_the_second(repo, repository):
    validated_intent(repository, repo, "first", {"src/config.py": "TIMEOUT = 60\n"}, priority=1)
    validated_intent(repository, repo, "second", {"src/config.py": "TIMEOUT = 10\n"}, priority=2)

    outcome = _run(repository, auto_confirm=True)

    assert _decisions(outcome) == {"first": "merged", "second": "speculative_conflict"}
    row = next(r for r in outcome["results"] if r["intent_id"] == "second")
    assert row["conflicts_with"] == ["first"] and row["files"] == ["src/config.py"]
    second = Intent.objects.get(pk="second")
    assert (second.status, second.retries) == ("VALIDATED", 0)


def test_an_unchanged_speculative_block_is_skipped_without_a_new_event(repo, repository):
    validated_intent(repository, repo, "first", {"src/config.py": "TIMEOUT = 60\n"}, priority=1)
    validated_intent(repository, repo, "second", {"src/config.py": "TIMEOUT = 10\n"}, priority=2)
    _run(repository)  # first queued, second blocked speculatively
    before = Event.objects.count()
    again = _run(repository)
    assert [(s["intent_id"], s["decision"]) for s in again["skipped"]] == [
        ("first", "unchanged"),
        ("second", "speculative_conflict"),
    ]
    assert Event.objects.filter(event_type="intent.speculative_conflict").count() == 1
    assert Event.objects.count() == before


def test_a_conflict_with_the_target_costs_a_retry_until_rejection(repo, repository):
    validated_intent(repository, repo, "late", {"src/config.py": "TIMEOUT = 99\n"})
    repo.commit("main", {"src/config.py": "TIMEOUT = 1\n"})
    outcome = _run(repository, max_retries=2)
    assert outcome["results"][0]["decision"] == "blocked"
    assert outcome["results"][0]["reason"] == "Merge conflicts: src/config.py"
    late = Intent.objects.get(pk="late")
    assert (late.status, late.retries) == ("READY", 1)
    requeued = Event.objects.get(intent_id="late", event_type="intent.requeued").payload
    assert requeued == {"reason": "Merge conflicts: src/config.py", "status": "READY", "retries": 1}

    Intent.objects.filter(pk="late").update(status="VALIDATED")
    _run(repository, max_retries=2)
    assert Intent.objects.get(pk="late").status == "REJECTED"
    assert Event.objects.filter(intent_id="late", event_type="intent.rejected").count() == 1


def test_a_plan_merges_in_dependency_order_in_one_run(repo, repository):
    validated_intent(
        repository, repo, "frontend", {"web/i.html": "x\n"}, priority=1, dependencies=["backend"]
    )
    validated_intent(
        repository, repo, "backend", {"app/b.py": "x\n"}, priority=2, dependencies=["schema"]
    )
    validated_intent(repository, repo, "schema", {"db/s.sql": "x\n"}, priority=3)

    outcome = _run(repository, auto_confirm=True)

    assert [r["intent_id"] for r in outcome["results"]] == ["schema", "backend", "frontend"]
    assert set(_decisions(outcome).values()) == {"merged"}


def test_a_rejected_dependency_blocks_with_its_reason_and_no_retry(repo, repository):
    create_intent(repository, "dep", source="feature/none")
    Intent.objects.filter(pk="dep").update(status="REJECTED")
    validated_intent(repository, repo, "child", {"a.txt": "a\n"}, dependencies=["dep"])

    outcome = _run(repository, auto_confirm=True)

    row = outcome["results"][0]
    assert (row["decision"], row["reason"]) == ("dependency_blocked", "Dependency rejected: dep")
    child = Intent.objects.get(pk="child")
    assert (child.status, child.retries) == ("VALIDATED", 0)
    _run(repository)
    assert Event.objects.filter(event_type="intent.dependency_blocked").count() == 1


def test_blocked_intents_do_not_starve_the_ones_behind_them(repo, repository):
    create_intent(repository, "missing-dep-source", source="feature/none")
    for n in range(20):
        create_intent(
            repository,
            f"stuck-{n}",
            source=f"feature/stuck-{n}",
            priority=1,
            dependencies=["missing-dep-source"],
        )
    Intent.objects.filter(pk__startswith="stuck-").update(status="VALIDATED")
    validated_intent(repository, repo, "behind", {"docs/x.md": "x\n"}, priority=5)

    _run(repository, limit=1)  # records each stuck intent's block once
    outcome = _run(repository, limit=1, auto_confirm=True)

    assert len(outcome["skipped"]) == 20
    assert _decisions(outcome) == {"behind": "merged"}


def test_exhausted_retries_reject_without_a_run(repo, repository):
    intent = validated_intent(repository, repo, "tired", {"a.txt": "a\n"})
    Intent.objects.filter(pk=intent.pk).update(retries=3)
    outcome = _run(repository)
    assert outcome["results"][0]["reason"] == "Max retries (3) exceeded"
    assert Intent.objects.get(pk="tired").status == "REJECTED"


def test_max_retries_comes_from_the_policy_file(repo, repository, settings, tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text('{"queue": {"max_retries": 1}}')
    settings.CONVERGE_POLICY_PATH = str(policy)
    validated_intent(repository, repo, "late", {"src/config.py": "TIMEOUT = 99\n"})
    repo.commit("main", {"src/config.py": "TIMEOUT = 1\n"})
    _run(repository)
    assert Intent.objects.get(pk="late").status == "REJECTED"


def test_a_dirty_checkout_refuses_the_merge_and_changes_nothing(repo, repository):
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    head = repo.rev("main")
    (repo.path / "README.md").write_text("local edit\n")

    outcome = _run(repository, auto_confirm=True)

    assert outcome["results"][0]["decision"] == "merge_refused"
    assert "local changes" in outcome["error"]["message"]
    assert repo.rev("main") == head
    assert (repo.path / "README.md").read_text() == "local edit\n"
    intent = Intent.objects.get(pk="a")
    assert (intent.status, intent.retries) == ("QUEUED", 0)


def test_a_target_moved_during_the_merge_is_revalidated_not_overwritten(
    repo, repository, monkeypatch
):
    from converge_core.git import GitRepository

    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    original = GitRepository.merge
    moved = []

    def merge_after_someone_else(self, *args, **kwargs):
        if not moved:  # another process pushes to main between simulation and merge
            moved.append(repo.commit("main", {"docs/other.md": "other\n"}))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(GitRepository, "merge", merge_after_someone_else)
    outcome = _run(repository, auto_confirm=True)

    assert _decisions(outcome) == {"a": "merged"}
    assert repo.parents("main")[0] == moved[0]  # the other commit is kept
    assert set(repo.files("main")) >= {"docs/a.md", "docs/other.md"}
    revalidations = Event.objects.filter(intent_id="a", event_type="simulation.completed")
    # validate, then after the move (the queue run reused the validation: nothing had changed)
    assert revalidations.count() == 2


def test_validate_warns_about_a_conflict_with_an_intent_queued_ahead(repo, repository):
    from intents.validation import intent_validate

    validated_intent(repository, repo, "first", {"src/config.py": "TIMEOUT = 60\n"}, priority=1)
    _run(repository)  # first is QUEUED now
    repo.commit("feature/second", {"src/config.py": "TIMEOUT = 10\n"}, start="main")
    create_intent(repository, "second", source="feature/second", priority=2)

    decision = intent_validate(intent_id="second")

    assert decision["decision"] == "validated"
    assert {
        "code": "speculative_conflict",
        "message": "Conflicts with first queued ahead of it (src/config.py): it will wait for them",
    } in decision["warnings"]


def test_a_target_that_keeps_moving_fails_the_merge_after_three_attempts(
    repo, repository, monkeypatch
):
    from converge_core.git import GitRepository

    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    original = GitRepository.merge
    pushes = []

    def merge_racing_a_busy_target(self, *args, **kwargs):
        pushes.append(repo.commit("main", {f"docs/busy-{len(pushes)}.md": "x\n"}))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(GitRepository, "merge", merge_racing_a_busy_target)
    outcome = _run(repository, auto_confirm=True)

    row = outcome["results"][0]
    assert row["decision"] == "merge_failed" and "moved" in row["reason"]
    assert len(pushes) == 3
    intent = Intent.objects.get(pk="a")
    assert (intent.status, intent.retries) == ("READY", 1)
    failed = Event.objects.get(intent_id="a", event_type="intent.merge_failed").payload
    assert failed["retries"] == 1 and failed["status"] == "READY"
    assert repo.rev("main") == pushes[-1]  # nothing of ours overwrote the other pushes


def test_beyond_the_batch_a_conflict_with_this_runs_merges_names_them(repo, repository):
    validated_intent(repository, repo, "x", {"src/config.py": "TIMEOUT = 60\n"}, priority=1)
    validated_intent(repository, repo, "y", {"src/config.py": "TIMEOUT = 10\n"}, priority=2)
    validated_intent(repository, repo, "z", {"src/config.py": "TIMEOUT = 5\n"}, priority=3)

    # the batch is the first two: y is named against x for free; z, walked because y did not
    # count, meets x on the target: a real conflict, charged, still naming x
    outcome = _run(repository, auto_confirm=True, limit=2)

    assert _decisions(outcome) == {"x": "merged", "y": "speculative_conflict", "z": "blocked"}
    z = next(row for row in outcome["results"] if row["intent_id"] == "z")
    assert z["conflicts_with"] == ["x"] and z["retries"] == 1


def test_an_idle_run_records_nothing(repo, repository):
    before = Event.objects.count()
    assert _run(repository) == {
        "targets": ["main"],
        "results": [],
        "skipped": [],
        "processed": 0,
        "decided": 0,
    }
    assert Event.objects.count() == before
