from datetime import timedelta

import pytest
from django.utils import timezone

from intents.locks import (
    claim_intent,
    lock_acquire,
    lock_release,
    lock_renew,
    release_claim,
)
from intents.models import Intent, QueueLock
from intents.queue import QueueLockHeld, QueueOptions, queue_run
from intents.tests.factories import IntentFactory, RepositoryFactory


@pytest.fixture
def repository(db):
    return RepositoryFactory(name="app")


def test_a_lock_is_exclusive_until_released(repository):
    assert lock_acquire(repository, "main", holder="h1:1:a", ttl=60) is not None
    assert lock_acquire(repository, "main", holder="h2:2:b", ttl=60) is None
    assert lock_acquire(repository, "release", holder="h2:2:b", ttl=60) is not None
    assert lock_release("app:main", holder="h2:2:b") is False  # not ours
    assert lock_release("app:main", holder="h1:1:a") is True
    assert lock_acquire(repository, "main", holder="h2:2:b", ttl=60).holder == "h2:2:b"


def test_an_expired_lock_is_taken_over(repository):
    lock_acquire(repository, "main", holder="dead:1:a", ttl=60)
    QueueLock.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    taken = lock_acquire(repository, "main", holder="alive:2:b", ttl=60)
    assert taken is not None and taken.holder == "alive:2:b"
    assert lock_renew("app:main", holder="dead:1:a", ttl=60) is False
    assert lock_renew("app:main", holder="alive:2:b", ttl=60) is True


def test_renewal_extends_the_lease(repository):
    lock_acquire(repository, "main", holder="h:1:a", ttl=5)
    before = QueueLock.objects.get().expires_at
    lock_renew("app:main", holder="h:1:a", ttl=600)
    assert QueueLock.objects.get().expires_at > before + timedelta(seconds=500)


def test_a_held_lock_makes_a_run_wait_then_fail_naming_the_holder(repository):
    lock_acquire(repository, "main", holder="other-host:7:abc", ttl=300)
    waits = []
    with pytest.raises(QueueLockHeld, match="held by other-host:7:abc") as excinfo:
        queue_run(
            repository=repository,
            options=QueueOptions(targets=["main"], wait=0.2),
            on_wait=waits.append,
        )
    assert excinfo.value.exit_code == 1
    assert [w["holder"] for w in waits] == ["other-host:7:abc"]


def test_claims_are_compare_and_swap_with_expiry(repository):
    intent = IntentFactory(repository=repository)
    assert claim_intent(intent.id, holder="w1", ttl=60) is True
    assert claim_intent(intent.id, holder="w2", ttl=60) is False
    Intent.objects.filter(pk=intent.id).update(claim_expires_at=timezone.now() - timedelta(1))
    assert claim_intent(intent.id, holder="w2", ttl=60) is True  # the dead claim is taken over
    release_claim(intent.id, holder="w1")
    assert Intent.objects.get(pk=intent.id).claimed_by == "w2"
    release_claim(intent.id, holder="w2")
    assert Intent.objects.get(pk=intent.id).claimed_by is None
