"""A console worth looking at: a queue with a blocked intent, a review, a key, a stale lock,
overrides and a policy; an operator and a view-only staff account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import Permission, User
from django.utils import timezone

from access.models import ApiKey
from access.services import api_key_create
from flags.services import flag_set
from intake.tests.factories import IntakeOverrideFactory
from intents.decisions import decision_record
from intents.models import Intent, QueueLock, Repository
from intents.risk import risk_policy_set
from intents.tests.factories import IntentFactory, RepositoryFactory
from reviews.models import ReviewTask
from reviews.tests.factories import ReviewTaskFactory

PASSWORD = "console-pass-1"
CONFLICT = "Merge conflicts in app/config.py"


@dataclass
class Seeded:
    repository: Repository
    blocked: Intent
    waiting: Intent
    reviewed: Intent
    review: ReviewTask
    key: ApiKey
    lock: QueueLock


def blocked_decision(intent_id: str) -> dict[str, Any]:
    return {
        "decision": "blocked",
        "intent_id": intent_id,
        "reason": CONFLICT,
        "simulation": {"mergeable": False, "conflicts": ["app/config.py"], "files_changed": []},
        "policy": {
            "verdict": "BLOCK",
            "gates": [
                {
                    "gate": "containment",
                    "passed": False,
                    "reason": "containment 0.31 < 0.50",
                    "value": 0.31,
                    "threshold": 0.5,
                },
                {"gate": "entropy", "passed": True, "reason": "", "value": 4.0, "threshold": 25},
            ],
        },
    }


def seed(*, repository: Repository | None = None, extra_intents: int = 0) -> Seeded:
    repository = repository or RepositoryFactory(name="shop")
    blocked = IntentFactory(id="blocked-1", repository=repository, priority=1, tenant_id="acme")
    decision_record(intent_id=blocked.pk, inputs=None, decision=blocked_decision(blocked.pk))
    waiting = IntentFactory(
        id="waiting-1", repository=repository, status="VALIDATED", dependencies=["blocked-1"]
    )
    reviewed = IntentFactory(id="reviewed-1", repository=repository, status="VALIDATED")
    review = ReviewTaskFactory(intent=reviewed)
    for n in range(extra_intents):
        IntentFactory(repository=repository, tenant_id=f"tenant-{n % 7}")
    key, _ = api_key_create(role="operator", actor="ci-bot", tenant="acme")
    now = timezone.now()
    lock = QueueLock.objects.create(
        name=f"{repository.name}:main",
        repository=repository,
        target="main",
        holder="gone-host:4242:abcd1234",
        acquired_at=now - timedelta(minutes=30),
        expires_at=now - timedelta(minutes=20),
    )
    flag_set(name="notifications", enabled=True, actor="seed")
    IntakeOverrideFactory(tenant_id="beta", mode="throttle", reason="backlog")
    risk_policy_set(tenant_id="acme", data={"mode": "enforce"}, actor="seed")
    return Seeded(repository, blocked, waiting, reviewed, review, key, lock)


def viewer() -> User:
    """Staff who may look at every page of the console and change nothing."""
    user = User.objects.create_user("viewer", password=PASSWORD, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


def operator() -> User:
    return User.objects.create_superuser("ops", password=PASSWORD)
