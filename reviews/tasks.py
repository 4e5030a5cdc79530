"""Celery tasks of the reviews app: thin and idempotent; the services do the work.

Each task imports its service when it runs: the services schedule these tasks (the advisor's
analysis of a new review), so the services import this module and not the other way round.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from interfaces.taskpolicy import RETRY_POLICY


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300, **RETRY_POLICY)
def review_sweep_task() -> dict[str, Any]:
    """The escalation table once (the beat runs it every 15 minutes).

    A rerun finds nothing left to do: every change is a compare-and-swap on the status the
    first run moved, and each SLA breach is recorded once.
    """
    from reviews.sweep import review_sweep

    return review_sweep()


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150, **RETRY_POLICY)
def review_analyze_task(task_id: str) -> dict[str, Any] | None:
    """The LLM advisor's analysis of one review task (a task already analysed is skipped)."""
    from reviews.advisor import review_analyze

    return review_analyze(task_id=task_id)


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90, **RETRY_POLICY)
def review_analysis_redrive_task() -> int:
    """Queue again the analyses the rows say are still missing (the beat runs it every five
    minutes)."""
    from reviews.advisor import review_analysis_redrive

    return review_analysis_redrive()
