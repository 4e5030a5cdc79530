"""The Celery application: configuration from the ``CELERY_*`` settings, every app's ``tasks.py``.

Queues are named by workload so a slow scan never delays a merge; a worker consumes all three
unless told otherwise (``converge worker --queues``). Tasks are routed by
``CELERY_TASK_ROUTES``; anything unrouted goes to ``default``.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_init, worker_shutting_down
from kombu import Queue

from interfaces import workerstate

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "converge_site.settings")

QUEUES: tuple[str, ...] = ("merge", "security", "default")

app = Celery("converge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = tuple(Queue(name, routing_key=name) for name in QUEUES)
app.autodiscover_tasks()


@app.on_after_configure.connect
def _prepare_embedded_broker(**_: Any) -> None:
    # Every process that sends or receives configures the app first: the folders exist by then.
    from converge_site.broker import embedded_broker_prepare

    embedded_broker_prepare()


@worker_init.connect
def _share_worker_state(**_: Any) -> None:
    workerstate.worker_state_init()


@worker_shutting_down.connect
def _ask_tasks_to_stop(**_: Any) -> None:
    state = workerstate.current_worker_state()
    if state is not None:
        state.request_stop()
