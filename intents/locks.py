"""Queue locks per (repository, target) and per-intent claims, by compare-and-swap.

A lock is a row claimed by insert, or taken over with a conditional update once it has
expired; its holder renews it between intents and releases only its own row, so a worker that
dies leaves a lock the next one recovers after the TTL without anyone's help.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta
from functools import cache
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from converge_core.audit import format_timestamp
from intents.models import Intent, QueueLock, Repository
from ledger.append import event_append


@cache
def process_holder() -> str:
    """This process's identity: host, pid and a random token (pids collide across pods)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lock_name(repository: Repository, target: str) -> str:
    return f"{repository.name}:{target}"


def lock_acquire(repository: Repository, target: str, *, holder: str, ttl: int) -> QueueLock | None:
    """Take the lock if it is free or expired; ``None`` when someone else holds it."""
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


def lock_renew(name: str, *, holder: str, ttl: int) -> bool:
    """Extend our lock; ``False`` means it was lost (expired and taken over)."""
    expires = timezone.now() + timedelta(seconds=ttl)
    return bool(QueueLock.objects.filter(name=name, holder=holder).update(expires_at=expires))


def lock_release(name: str, *, holder: str) -> bool:
    deleted, _ = QueueLock.objects.filter(name=name, holder=holder).delete()
    return bool(deleted)


def lock_holder(name: str) -> QueueLock | None:
    return QueueLock.objects.filter(name=name).first()


def locks_force_release(
    repository: Repository | None = None, *, names: list[str] | None = None
) -> list[dict[str, Any]]:
    """Release queue locks (of one repository, or the named ones) whoever holds them: the
    operator's override after a crash. Recorded as ``queue.lock_released``."""
    queryset = QueueLock.objects.all()
    if repository is not None:
        queryset = queryset.filter(repository=repository)
    if names is not None:
        queryset = queryset.filter(name__in=names)
    released = [lock_serialize(lock) for lock in queryset]
    queryset.delete()
    for lock in released:
        event_append(event_type="queue.lock_released", payload=lock)
    return released


def lock_serialize(lock: QueueLock) -> dict[str, Any]:
    return {
        "name": lock.name,
        "holder": lock.holder,
        "acquired_at": format_timestamp(lock.acquired_at),
        "expires_at": format_timestamp(lock.expires_at),
        "expired": lock.expires_at < timezone.now(),
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
