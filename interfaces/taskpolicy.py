"""The retry policy every Celery task of Converge carries (``@shared_task(**RETRY_POLICY)``).

Importing this module loads the project's Celery app (``settings.CONVERGE_CELERY_APP``), so a
task module's tasks bind to it and a task sent from any process reaches the project's broker;
a command that sends no task never imports a task module, nor Celery.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings

from interfaces.transient import TRANSIENT_ERRORS

import_module(settings.CONVERGE_CELERY_APP)

# The only errors a task retries: the database was briefly unreachable or busy. Anything else
# is recorded by the service that met it and waits for the next beat tick.
RETRY_POLICY: dict[str, Any] = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 3,
}

__all__ = ["RETRY_POLICY", "TRANSIENT_ERRORS"]
