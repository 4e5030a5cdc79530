"""The ``advisory_locks`` flag: off (lock rows), shadow (rows decide, advisory compared) and
enforce (advisory locks on a session of their own) on PostgreSQL; no effect on SQLite."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from converge_core.tests.gitrepo import GitRepo
from intents.advisory import advisory_holders
from intents.doctor import check_queue_locks
from intents.locks import (
    lock_acquire,
    lock_holder,
    lock_release,
    lock_renew,
    locks_held,
)
from intents.models import QueueLock
from intents.queue import QueueLockHeld, QueueOptions, queue_inspect, queue_reset, queue_run
from intents.repositories import repository_resolve
from intents.tests.queue_helpers import validated_intent
from intents.worker import queue_pairs

on_postgres = pytest.mark.skipif(
    settings.DB_BACKEND != "postgres", reason="advisory locks exist on PostgreSQL only"
)


@pytest.fixture
def repo(tmp_path, settings):
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"README.md": "r\n"})
    settings.CONVERGE_HOME = tmp_path / "home"
    return git


@pytest.fixture
def repository(db, repo):
    return repository_resolve(repo.path)


@pytest.fixture
def holders():
    """Holders a test takes locks for; whatever they still hold is released afterwards."""
    taken: list[tuple[str, str]] = []
    yield taken
    for name, holder in taken:
        lock_release(name, holder=holder)


def _mode(monkeypatch, mode: str | None) -> None:
    if mode is None:
        monkeypatch.setenv("CONVERGE_FF_ADVISORY_LOCKS", "0")
        return
    monkeypatch.setenv("CONVERGE_FF_ADVISORY_LOCKS", "1")
    monkeypatch.setenv("CONVERGE_FF_ADVISORY_LOCKS_MODE", mode)


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@on_postgres
def test_enforce_holds_an_advisory_lock_on_a_session_of_its_own(repository, monkeypatch, holders):
    _mode(monkeypatch, "enforce")
    name = f"{repository.name}:main"
    holders += [(name, "host-a:1:aa"), (name, "host-b:2:bb")]

    held = lock_acquire(repository, "main", holder="host-a:1:aa", ttl=300)

    assert held is not None and held.kind == "advisory" and held.expires_at is None
    assert held.pid != _backend_pid()  # not Django's connection: a dedicated session
    assert not QueueLock.objects.exists()  # no lock row
    assert lock_acquire(repository, "main", holder="host-b:2:bb", ttl=300) is None
    assert lock_acquire(repository, "release", holder="host-b:2:bb", ttl=300) is not None
    holders.append((f"{repository.name}:release", "host-b:2:bb"))
    current = lock_holder(name)
    assert (current.holder, current.pid) == ("host-a:1:aa", held.pid)
    assert locks_held({(repository.id, "main"), (repository.id, "other")}) == {
        (repository.id, "main")
    }
    assert lock_renew(name, holder="host-a:1:aa", ttl=300) is True
    assert lock_renew(name, holder="host-b:2:bb", ttl=300) is False

    assert lock_release(name, holder="host-a:1:aa") is True
    assert name not in advisory_holders([name])
    assert lock_acquire(repository, "main", holder="host-b:2:bb", ttl=300) is not None


@on_postgres
def test_inspect_shows_the_holder_and_reset_says_it_cannot_release_it(
    repository, monkeypatch, holders
):
    _mode(monkeypatch, "enforce")
    name = f"{repository.name}:main"
    holders.append((name, "host-a:1:aa"))
    held = lock_acquire(repository, "main", holder="host-a:1:aa", ttl=300)

    inspect = queue_inspect(repository=repository)
    assert inspect["lock_mechanism"]["mode"] == "enforce"
    assert [(lock["name"], lock["holder"], lock["pid"]) for lock in inspect["advisory_locks"]] == [
        (name, "host-a:1:aa", held.pid)
    ]
    assert inspect["advisory_locks"][0]["application_name"] == "converge lock host-a:1:aa"
    assert inspect["locks"] == []

    reset = queue_reset(intent_id=None, actor="ops", clear_lock=True, repository=repository)
    assert reset["released_locks"] == []
    [kept] = reset["advisory_locks_not_released"]
    assert (kept["name"], kept["pid"], kept["released"]) == (name, held.pid, False)
    assert f"backend {held.pid} (host-a:1:aa)" in kept["reason"]
    assert lock_holder(name).holder == "host-a:1:aa"  # still held


@on_postgres
def test_a_queue_run_under_enforce_merges_and_names_a_holder(
    repo, repository, monkeypatch, holders
):
    _mode(monkeypatch, "enforce")
    validated_intent(repository, repo, "a", {"docs/a.md": "a\n"})
    name = f"{repository.name}:main"

    outcome = queue_run(
        repository=repository, options=QueueOptions(targets=["main"], auto_confirm=True)
    )

    assert [r["decision"] for r in outcome["results"]] == ["merged"]
    assert advisory_holders([name]) == {} and not QueueLock.objects.exists()

    validated_intent(repository, repo, "b", {"docs/b.md": "b\n"})
    holders.append((name, "other-host:7:abc"))
    held = lock_acquire(repository, "main", holder="other-host:7:abc", ttl=300)
    assert queue_pairs(targets=["main"]) == []  # the dispatcher leaves it to its holder
    with pytest.raises(QueueLockHeld, match=f"held by other-host:7:abc .*backend {held.pid}"):
        queue_run(repository=repository, options=QueueOptions(targets=["main"], wait=0.2))


@on_postgres
def test_shadow_lets_rows_decide_and_logs_every_disagreement(
    repository, monkeypatch, holders, caplog
):
    _mode(monkeypatch, "shadow")
    name = f"{repository.name}:main"
    holders += [(name, "slow:1:aa"), (name, "next:2:bb"), (name, "third:3:cc")]
    caplog.set_level(logging.WARNING, logger="converge.locks")

    first = lock_acquire(repository, "main", holder="slow:1:aa", ttl=300)
    assert first.kind == "row" and QueueLock.objects.get().holder == "slow:1:aa"
    assert advisory_holders([name])[name].holder == "slow:1:aa"  # taken alongside
    assert caplog.records == []  # both agree

    # The row's lease runs out while its holder still works: the rows let the next one in,
    # the advisory lock would not have.
    QueueLock.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    second = lock_acquire(repository, "main", holder="next:2:bb", ttl=300)
    assert second is not None and second.holder == "next:2:bb"
    assert "went to next:2:bb, but its advisory lock is held by slow:1:aa" in caplog.text
    assert lock_renew(name, holder="slow:1:aa", ttl=300) is False
    assert "slow:1:aa lost its lock row" in caplog.text and "still holds" in caplog.text

    lock_release(name, holder="slow:1:aa")
    lock_release(name, holder="next:2:bb")
    assert advisory_holders([name]) == {} and not QueueLock.objects.exists()

    # A row left by a holder that never took the advisory lock (one running with the flag
    # off): refused, and said so.
    now = timezone.now()
    QueueLock.objects.create(
        name=name,
        repository=repository,
        target="main",
        holder="dead:9:zz",
        acquired_at=now,
        expires_at=now + timedelta(seconds=300),
    )
    assert lock_acquire(repository, "main", holder="third:3:cc", ttl=300) is None
    assert "held by dead:9:zz, but its advisory lock was free" in caplog.text
    assert advisory_holders([name]) == {}  # the comparison's advisory lock is let go


@on_postgres
def test_a_lock_is_released_the_way_it_was_taken_when_the_flag_changes(
    repository, monkeypatch, holders
):
    name = f"{repository.name}:main"
    holders.append((name, "host-a:1:aa"))
    _mode(monkeypatch, "enforce")
    lock_acquire(repository, "main", holder="host-a:1:aa", ttl=300)
    _mode(monkeypatch, None)

    assert lock_renew(name, holder="host-a:1:aa", ttl=300) is True  # still the advisory lock
    assert lock_release(name, holder="host-a:1:aa") is True
    assert advisory_holders([name]) == {}


@on_postgres
def test_the_doctor_names_the_mechanism_on_postgresql(db, monkeypatch):
    _mode(monkeypatch, "enforce")
    check = check_queue_locks()
    assert check.status == "pass" and "advisory locks" in check.detail
    _mode(monkeypatch, None)
    assert "advisory_locks disabled" in check_queue_locks().detail


@pytest.mark.skipif(settings.DB_BACKEND == "postgres", reason="the SQLite behaviour")
def test_on_sqlite_the_flag_has_no_effect_and_says_so(repository, monkeypatch):
    _mode(monkeypatch, "enforce")

    held = lock_acquire(repository, "main", holder="host-a:1:aa", ttl=300)

    assert held.kind == "row" and QueueLock.objects.get().holder == "host-a:1:aa"
    mechanism = queue_inspect(repository=repository)["lock_mechanism"]
    assert mechanism["mode"] == "off" and mechanism["flag"] == "enforce"
    assert "has no effect on SQLite" in mechanism["detail"]
    assert "advisory_locks" not in queue_inspect(repository=repository)
    doctor = check_queue_locks()
    assert doctor.status == "warn" and "has no effect on SQLite" in doctor.detail
    assert lock_release(f"{repository.name}:main", holder="host-a:1:aa") is True
    assert not QueueLock.objects.exists()
