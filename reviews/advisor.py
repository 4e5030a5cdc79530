"""The LLM review advisor (flag ``llm_review_advisor``): an advisory summary of a new review.

``advisor_schedule`` queues ``review_analyze_task`` once the request's transaction has
committed, so the provider is asked on a worker, never inside a request. The calls are rate
limited through the shared cache (``CONVERGE_LLM_RATE_LIMIT`` per sliding hour) and each review
task is analysed once; the analysis never changes a decision, its ``mode`` is recorded for
information only.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from converge_core.advisor import INSTRUCTIONS, build_prompt, parse_analysis
from converge_core.reviews import OPEN
from flags.selectors import flag_is_enabled, flag_mode
from intents.serialization import intent_serialize
from ledger.append import event_append
from ledger.selectors import event_exists, event_feed, latest_payload
from reviews.models import ReviewTask
from reviews.providers import AdvisorProvider, ProviderError, configured_provider

logger = logging.getLogger("converge.reviews.advisor")

RATE_WINDOW_SECONDS = 3600
_RATE_KEY = "reviews:llm-advisor:calls"
_CLAIM_KEY = "reviews:llm-advisor:analysing"
ANALYSIS_CLAIM_SECONDS = 300  # review_analyze_task's hard time limit, and then some
# The re-drive leaves a new review this long to its own task, and looks back this far.
REDRIVE_AFTER = timedelta(minutes=5)
REDRIVE_WINDOW = timedelta(days=1)
REDRIVE_BATCH = 50
ANALYSIS_EVENTS = ("review.analysis_generated", "review.analysis_failed")


def advisor_provider() -> AdvisorProvider:
    return configured_provider()


def advisor_schedule(task_id: str) -> None:
    """Queue the analysis of a new review after commit, when the advisor flag is on."""
    if flag_is_enabled("llm_review_advisor"):
        # imported here: the task module loads Celery, which nothing pays for while the
        # advisor is off
        from reviews.tasks import review_analyze_task

        transaction.on_commit(lambda: review_analyze_task.delay(task_id), robust=True)


def advisor_status() -> dict[str, Any]:
    """The doctor's ``llm_advisor`` line: a key is needed once the advisor is enabled."""
    if not flag_is_enabled("llm_review_advisor"):
        return {"check": "llm_advisor", "status": "pass", "detail": "advisor disabled"}
    provider = advisor_provider()
    if not provider.is_available():
        return {
            "check": "llm_advisor",
            "status": "warn",
            "detail": "advisor enabled but no provider is configured "
            "(set CONVERGE_LLM_PROVIDER and CONVERGE_LLM_API_KEY)",
        }
    return {"check": "llm_advisor", "status": "pass", "detail": f"provider {provider.name}"}


def _rate_allows() -> bool:
    """A sliding-hour window of call times kept in the shared cache."""
    now = time.time()
    calls = [t for t in cache.get(_RATE_KEY, []) if now - t < RATE_WINDOW_SECONDS]
    if len(calls) >= settings.CONVERGE_LLM_RATE_LIMIT:
        return False
    cache.set(_RATE_KEY, [*calls, now], RATE_WINDOW_SECONDS)
    return True


def _analysis_claim(task_id: str) -> bool:
    """One analysis of a review at a time (a task delivered twice, or queued again by the
    re-drive while the first still runs, asks the provider once)."""
    return cache.add(f"{_CLAIM_KEY}:{task_id}", 1, ANALYSIS_CLAIM_SECONDS)


def _analysis_release(task_id: str) -> None:
    cache.delete(f"{_CLAIM_KEY}:{task_id}")


def _analysed(task: ReviewTask) -> bool:
    return event_exists(
        intent_id=task.intent_id,
        event_type="review.analysis_generated",
        payload={"task_id": task.id},
    )


def _change_text(intent_id: str) -> str:
    """What the advisor sees of the change: the files of the latest simulation."""
    simulation = latest_payload(intent_id=intent_id, event_type="simulation.completed")
    if not simulation:
        return "(no simulation yet)"
    files = simulation.get("files_changed") or []
    conflicts = simulation.get("conflicts") or []
    lines = ["Files changed:", *files]
    if conflicts:
        lines += ["Conflicting files:", *conflicts]
    return "\n".join(lines)


def review_analyze(*, task_id: str) -> dict[str, Any] | None:
    """Ask the configured provider about a review task and record what it said.

    Records ``review.analysis_generated`` (or ``review.analysis_failed`` when the provider
    fails); returns the payload, or ``None`` when nothing was asked (flag off, no provider,
    unknown task, task already analysed or being analysed, rate limit reached).
    """
    if not flag_is_enabled("llm_review_advisor"):
        return None
    provider = advisor_provider()
    if not provider.is_available():
        return None
    if not _analysis_claim(task_id):
        return None
    try:
        return _review_analyze(task_id, provider)
    finally:
        _analysis_release(task_id)


def _review_analyze(task_id: str, provider: AdvisorProvider) -> dict[str, Any] | None:
    task = ReviewTask.objects.select_related("intent__repository").filter(pk=task_id).first()
    if task is None or _analysed(task):
        return None
    if not _rate_allows():
        logger.warning("LLM advisor rate limit reached; review %s not analysed", task_id)
        return None
    risk = latest_payload(intent_id=task.intent_id, event_type="risk.evaluated")
    prompt = build_prompt(intent_serialize(task.intent), risk, _change_text(task.intent_id))
    try:
        analysis = parse_analysis(provider.complete(INSTRUCTIONS, prompt))
    except ProviderError as exc:
        event_append(
            event_type="review.analysis_failed",
            intent_id=task.intent_id,
            tenant_id=task.tenant_id,
            payload={"error": str(exc), "provider": provider.name, "task_id": task.id},
        )
        return None
    payload = {
        **analysis.as_dict(),
        "provider": provider.name,
        "mode": flag_mode("llm_review_advisor"),
        "task_id": task.id,
    }
    event_append(
        event_type="review.analysis_generated",
        intent_id=task.intent_id,
        tenant_id=task.tenant_id,
        payload=payload,
    )
    return payload


def review_analysis_redrive(*, limit: int = REDRIVE_BATCH) -> int:
    """Queue the analysis of open reviews created in the last day (and at least
    ``REDRIVE_AFTER`` ago) that have neither an analysis nor a failed one; returns how many.

    Their own task was lost with a crashed worker, never queued (the broker refused it), or
    met the rate limit; a review queued twice is analysed once.
    """
    if not flag_is_enabled("llm_review_advisor") or not advisor_provider().is_available():
        return 0
    now = timezone.now()
    candidates = list(
        ReviewTask.objects.filter(
            status__in=OPEN,
            created_at__lte=now - REDRIVE_AFTER,
            created_at__gte=now - REDRIVE_WINDOW,
        )
        .order_by("created_at")
        .values_list("id", "intent_id")
    )
    if not candidates:
        return 0
    done = {
        payload.get("task_id")
        for payload in event_feed(
            event_type=ANALYSIS_EVENTS,
            intent_ids={intent_id for _, intent_id in candidates},
        ).values_list("payload", flat=True)
    }
    pending = [task_id for task_id, _ in candidates if task_id not in done][:limit]
    from reviews.tasks import review_analyze_task

    for task_id in pending:
        review_analyze_task.delay(task_id)
    return len(pending)
