"""The retry policy every Celery task of Converge carries (``@shared_task(**RETRY_POLICY)``)."""

from __future__ import annotations

from typing import Any

from django.db import InterfaceError, OperationalError

# The only errors a task retries: the database was briefly unreachable or busy. Anything else
# is recorded by the service that met it and waits for the next beat tick.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
RETRY_POLICY: dict[str, Any] = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 3,
}
