"""Validating what came from GitHub, and keeping the mirrors current.

A pull request's first validation goes through the worker's own path (a claim, failure
isolation); a later one (a label changed, the target moved, a re-run asked for) is a system
revalidation that reuses the last decision while its inputs are unchanged, unless GitHub asked
for a re-run. Each decision reaches GitHub through the after-decision hook.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from converge_core.errors import Conflict, ConvergeError
from converge_core.states import ACTIVE, Status
from github_app.mirrors import mirror_fetch
from github_app.models import GithubRepository
from intents.models import Intent
from intents.validation import ValidationOptions, intent_decide
from intents.worker import ready_intent_validate, worker_holder

logger = logging.getLogger(__name__)


def github_intent_validate(*, intent_id: str, force: bool, hostname: str) -> dict[str, Any]:
    intent = Intent.objects.filter(pk=intent_id).only("status").first()
    if intent is None or intent.status not in ACTIVE:
        return {"intent_id": intent_id, "decision": "skipped"}
    if intent.status == Status.READY and not force:
        return ready_intent_validate(intent_id=intent_id, holder=worker_holder(hostname))
    options = ValidationOptions(skip_checks=settings.CONVERGE_WORKER_SKIP_CHECKS, reuse=not force)
    try:
        decision = intent_decide(intent_id=intent_id, options=options, actor="github")
    except Conflict as exc:
        return {"intent_id": intent_id, "decision": "skipped", "reason": exc.message}
    return {"intent_id": intent_id, "decision": decision.decision, "reused": decision.reused}


def mirror_refresh(*, full_name: str, refs: list[str] | None) -> dict[str, Any]:
    mirror = (
        GithubRepository.objects.select_related("repository").filter(full_name=full_name).first()
    )
    if mirror is None:
        return {"repository": full_name, "status": "unknown"}
    mirror_fetch(mirror, refs)
    waiting = Intent.objects.filter(
        repository=mirror.repository, status__in=[Status.READY, Status.VALIDATED]
    )
    from github_app.tasks import github_intent_validate_task  # tasks import this module

    intent_ids = list(waiting.values_list("id", flat=True))
    for intent_id in intent_ids:
        github_intent_validate_task.delay(intent_id, False)
    return {"repository": full_name, "status": "fetched", "revalidating": intent_ids}


def mirrors_safety_fetch() -> dict[str, Any]:
    """Fetch every branch of each mirror that has active intents; one failure never stops
    the others."""
    active = Intent.objects.filter(status__in=list(ACTIVE)).values("repository_id")
    mirrors = GithubRepository.objects.select_related("repository").filter(repository_id__in=active)
    fetched, failed = [], {}
    for mirror in mirrors:
        try:
            mirror_fetch(mirror, None)
        except ConvergeError as exc:
            logger.warning("safety fetch of %s failed: %s", mirror.full_name, exc.message)
            failed[mirror.full_name] = exc.message
            continue
        fetched.append(mirror.full_name)
    return {"fetched": fetched, "failed": failed}
