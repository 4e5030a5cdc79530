"""Housekeeping tasks of the site itself."""

from __future__ import annotations

from celery import shared_task

from converge_site.broker import processed_messages_sweep

PROCESSED_MESSAGE_AGE = 3600.0


@shared_task(soft_time_limit=60, time_limit=120)
def embedded_broker_sweep_task() -> int:
    """Remove the embedded broker's processed messages older than an hour."""
    return processed_messages_sweep(older_than_seconds=PROCESSED_MESSAGE_AGE)
