"""Queue locks per (repository, target) and per-intent claims, by compare-and-swap.

A lock is a row claimed by insert, or taken over with a conditional update once it has
expired; its holder renews it between intents and releases only its own row, so a worker that
dies leaves a lock the next one recovers after the TTL without anyone's help.

On PostgreSQL the ``advisory_locks`` flag moves queue locks to session advisory locks
(``intents.advisory``): ``shadow`` keeps the rows deciding and takes the advisory lock
alongside, logging every disagreement; ``enforce`` takes the advisory lock only, held on the
holder's own session for the lock's life. On SQLite the flag has no effect. A lock is renewed
and released the way it was taken, even if the flag changes meanwhile.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.locks import ENFORCE, OFF, SHADOW, lock_mode
from flags.selectors import flag_mode, flag_state
from intents.advisory import (
    AdvisoryHolder,
    AdvisoryLease,
    advisory_acquire,
    advisory_holders,
    advisory_lease,
    advisory_release,
)
from intents.models import Intent, QueueLock, Repository
from ledger.append import event_append

logger = logging.getLogger("converge.locks")

ROW = "row"
ADVISORY = "advisory"

# How each lock this process holds was taken: (name, holder) -> off | shadow | enforce.
_taken: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class HeldLock:
    """A queue lock as its holder, or anyone inspecting it, sees it."""

    name: str
    holder: str
    kind: str  # row | advisory
    acquired_at: datetime | None
    expires_at: datetime | None  # an advisory lock has no lease: it lasts as long as its session
    pid: int | None = None  # advisory: the PostgreSQL backend of the holder's session

    @classmethod
    def of_row(cls, row: QueueLock) -> HeldLock:
        return cls(row.name, row.holder, ROW, row.acquired_at, row.expires_at)

    @classmethod
    def of_lease(cls, lease: AdvisoryLease) -> HeldLock:
        return cls(lease.name, lease.holder, ADVISORY, lease.acquired_at, None, lease.pid)

    @classmethod
    def of_holder(cls, found: AdvisoryHolder) -> HeldLock:
        return cls(found.name, found.holder, ADVISORY, found.session_started_at, None, found.pid)


@cache
def process_holder() -> str:
    """This process's identity: host, pid and a random token (pids collide across pods)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lock_name(repository: Repository, target: str) -> str:
    return f"{repository.name}:{target}"


def _backend() -> str:
    return "postgres" if connection.vendor == "postgresql" else "sqlite"


def lock_mechanism() -> str:
    """``off``, ``shadow`` or ``enforce``: how queue locks are taken now."""
    return lock_mode(flag_mode=flag_mode("advisory_locks"), backend=_backend())


def lock_mechanism_describe() -> dict[str, Any]:
    """What ``queue inspect`` and the doctor say about the queue locks in force."""
    state = flag_state("advisory_locks")
    flag = state.mode if state.enabled else "disabled"
    backend, mode = _backend(), lock_mechanism()
    lease = f"lock rows with a {settings.CONVERGE_QUEUE_LOCK_TTL} s lease renewed between intents"
    if backend != "postgres":
        detail = lease
        if state.enabled:
            detail = f"advisory_locks ({flag}) has no effect on SQLite: queue locks are {lease}"
    elif mode == OFF:
        detail = f"{lease} (advisory_locks disabled)"
    elif mode == SHADOW:
        detail = (
            f"{lease} decide; each holder also takes a PostgreSQL advisory lock on a session "
            "of its own and every disagreement is logged (advisory_locks shadow)"
        )
    else:
        detail = (
            "PostgreSQL advisory locks, each held on its holder's own session until released "
            "or until that session ends; no lock rows (advisory_locks enforce)"
        )
    return {"mode": mode, "flag": flag, "backend": backend, "detail": detail}


def _row_acquire(repository: Repository, target: str, *, holder: str, ttl: int) -> QueueLock | None:
    name = lock_name(repository, target)
    now = timezone.now()
    expires = now + timedelta(seconds=ttl)
    try:
        with transaction.atomic():
            return QueueLock.objects.create(
                name=name,
                repository=repository,
                target=target,
                holder=holder,
                acquired_at=now,
                expires_at=expires,
            )
    except IntegrityError:
        pass
    taken = QueueLock.objects.filter(Q(expires_at__lt=now) | Q(holder=holder), name=name).update(
        holder=holder, acquired_at=now, expires_at=expires
    )
    return QueueLock.objects.get(name=name) if taken else None


def _advisory_holder_text(name: str) -> str:
    found = advisory_holders([name]).get(name)
    return "nobody" if found is None else f"{found.holder} (backend {found.pid})"


def _shadow_acquire(name: str, holder: str, *, granted: bool) -> None:
    """Take the advisory lock beside the row and say when the two disagree; never fails."""
    try:
        lease = advisory_acquire(name, holder)
        if granted and lease is None:
            logger.warning(
                "advisory_locks shadow: the lock row of %s went to %s, but its advisory lock "
                "is held by %s",
                name,
                holder,
                _advisory_holder_text(name),
            )
        elif not granted and lease is not None:
            row = QueueLock.objects.filter(name=name).first()
            logger.warning(
                "advisory_locks shadow: the lock row of %s is held by %s, but its advisory "
                "lock was free",
                name,
                row.holder if row else "nobody (released meanwhile)",
            )
            advisory_release(name, holder)
    except DatabaseError as exc:
        logger.warning("advisory_locks shadow: the advisory lock of %s failed: %s", name, exc)


def lock_acquire(repository: Repository, target: str, *, holder: str, ttl: int) -> HeldLock | None:
    """Take the lock if it is free (or, as a row, expired); ``None`` when someone else holds
    it. ``ttl`` is the lease of a lock row; an advisory lock lasts as long as its session."""
    name = lock_name(repository, target)
    mode = lock_mechanism()
    if mode == ENFORCE:
        lease = advisory_acquire(name, holder)
        if lease is None:
            return None
        _taken[(name, holder)] = mode
        return HeldLock.of_lease(lease)
    row = _row_acquire(repository, target, holder=holder, ttl=ttl)
    if mode == SHADOW:
        _shadow_acquire(name, holder, granted=row is not None)
    if row is None:
        return None
    _taken[(name, holder)] = mode
    return HeldLock.of_row(row)


def lock_renew(name: str, *, holder: str, ttl: int) -> bool:
    """Extend our lock; ``False`` means it was lost (a row expired and was taken over, or the
    session of an advisory lock ended)."""
    mode = _taken.get((name, holder), OFF)
    lease = advisory_lease(name, holder)
    if mode == ENFORCE:
        return lease is not None and lease.is_held()
    expires = timezone.now() + timedelta(seconds=ttl)
    renewed = bool(QueueLock.objects.filter(name=name, holder=holder).update(expires_at=expires))
    if mode == SHADOW and lease is not None and lease.is_held() != renewed:
        logger.warning(
            "advisory_locks shadow: %s %s its lock row of %s but %s its advisory lock",
            holder,
            "kept" if renewed else "lost",
            name,
            "lost" if renewed else "still holds",
        )
    return renewed


def lock_release(name: str, *, holder: str) -> bool:
    """Release our lock, however it was taken; ``False`` if we did not hold it."""
    mode = _taken.pop((name, holder), OFF)
    released_advisory = advisory_release(name, holder)
    if mode == ENFORCE:
        return released_advisory
    deleted, _ = QueueLock.objects.filter(name=name, holder=holder).delete()
    return bool(deleted)


def lock_holder(name: str) -> HeldLock | None:
    """Who holds the lock now, by the mechanism in force."""
    if lock_mechanism() == ENFORCE:
        found = advisory_holders([name]).get(name)
        return None if found is None else HeldLock.of_holder(found)
    row = QueueLock.objects.filter(name=name).first()
    return None if row is None else HeldLock.of_row(row)


def locks_held(pairs: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which of these (repository id, target) pairs a live lock is held on now."""
    if not pairs:
        return set()
    if lock_mechanism() != ENFORCE:
        rows = QueueLock.objects.filter(expires_at__gte=timezone.now())
        return pairs & set(rows.values_list("repository_id", "target"))
    names = dict(
        Repository.objects.filter(pk__in={pk for pk, _ in pairs}).values_list("id", "name")
    )
    by_name = {f"{names[pk]}:{target}": (pk, target) for pk, target in pairs if pk in names}
    return {by_name[name] for name in advisory_holders(by_name)}


def advisory_locks_held(repository: Repository | None = None) -> list[dict[str, Any]]:
    """The advisory queue locks held now (of one repository), with the session holding each;
    always empty on SQLite. Lock names come from the targets of the repository's intents and
    lock rows, and its default branch."""
    if _backend() != "postgres":
        return []
    intents = Intent.objects.order_by()
    rows = QueueLock.objects.order_by()
    repositories = Repository.objects.order_by()
    if repository is not None:
        intents = intents.filter(repository=repository)
        rows = rows.filter(repository=repository)
        repositories = repositories.filter(pk=repository.pk)
    pairs = (
        set(intents.values_list("repository__name", "target").distinct())
        | set(rows.values_list("repository__name", "target"))
        | set(repositories.values_list("name", "default_branch"))
    )
    holders = advisory_holders({f"{name}:{target}" for name, target in pairs})
    return [
        {
            **lock_serialize(HeldLock.of_holder(found)),
            "application_name": found.application_name,
            "client_addr": found.client_addr,
        }
        for found in (holders[name] for name in sorted(holders))
    ]


def advisory_unreleasable(held: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``held`` with the plain reason ``--clear-lock`` gives for leaving each lock alone."""
    return [
        {
            **lock,
            "released": False,
            "reason": (
                f"an advisory lock belongs to the PostgreSQL session that took it and no other "
                f"session can release it; it is released when backend {lock['pid']} "
                f"({lock['holder']}) ends: stop that process"
            ),
        }
        for lock in held
    ]


def lock_describe(lock: dict[str, Any]) -> str:
    """``held by ...`` for messages, from :func:`lock_serialize`."""
    if lock.get("kind") == ADVISORY:
        return (
            f"held by {lock['holder']} (PostgreSQL backend {lock['pid']}, since "
            f"{lock['acquired_at']}; released when that session ends)"
        )
    return f"held by {lock['holder']} (since {lock['acquired_at']}, expires {lock['expires_at']})"


def locks_force_release(
    repository: Repository | None = None,
    *,
    names: list[str] | None = None,
    actor: str,
    reason: str = "",
) -> list[dict[str, Any]]:
    """Release queue lock rows (of one repository, or the named ones) whoever holds them: the
    operator's override after a crash. Recorded as ``queue.lock_released`` with the operator
    and their reason. Advisory locks cannot be released this way (see
    :func:`advisory_locks_held`)."""
    queryset = QueueLock.objects.all()
    if repository is not None:
        queryset = queryset.filter(repository=repository)
    if names is not None:
        queryset = queryset.filter(name__in=names)
    released = [lock_serialize(lock) for lock in queryset]
    queryset.delete()
    for lock in released:
        event_append(
            event_type="queue.lock_released",
            agent_id=actor,
            payload={**lock, "actor": actor, "reason": reason},
        )
    return released


def lock_serialize(lock: QueueLock | HeldLock) -> dict[str, Any]:
    """A lock row keeps its historical shape; an advisory lock adds its kind and backend."""
    held = lock if isinstance(lock, HeldLock) else HeldLock.of_row(lock)
    if held.kind == ADVISORY:
        return {
            "name": held.name,
            "kind": ADVISORY,
            "holder": held.holder,
            "pid": held.pid,
            "acquired_at": format_timestamp(held.acquired_at) if held.acquired_at else None,
            "expires_at": None,
            "expired": False,
        }
    assert held.acquired_at is not None and held.expires_at is not None
    return {
        "name": held.name,
        "holder": held.holder,
        "acquired_at": format_timestamp(held.acquired_at),
        "expires_at": format_timestamp(held.expires_at),
        "expired": held.expires_at < timezone.now(),
    }


def claim_intent(intent_id: str, *, holder: str, ttl: int) -> bool:
    """Claim an intent before working on it: free, expired or already ours."""
    now = timezone.now()
    return bool(
        Intent.objects.filter(
            Q(claimed_by__isnull=True) | Q(claim_expires_at__lt=now) | Q(claimed_by=holder),
            pk=intent_id,
        ).update(claimed_by=holder, claim_expires_at=now + timedelta(seconds=ttl))
    )


def release_claim(intent_id: str, *, holder: str) -> None:
    Intent.objects.filter(pk=intent_id, claimed_by=holder).update(
        claimed_by=None, claim_expires_at=None
    )


def claims_clear_expired(repository: Repository | None = None) -> int:
    queryset = Intent.objects.filter(claim_expires_at__lt=timezone.now())
    if repository is not None:
        queryset = queryset.filter(repository=repository)
    return queryset.update(claimed_by=None, claim_expires_at=None)
