"""``converge worker``: a Celery worker for the queue, with the beat scheduler embedded.

``converge worker`` is the one-process setup (``celery worker -B``); ``converge worker
--no-beat`` plus one ``converge beat`` is the split deployment. SIGTERM (or one Ctrl-C) drains:
each running task finishes the intent it is on, releases its own locks and returns, and the
process exits after recording ``worker.stopped``. Long-running: prints no JSON.
"""

from __future__ import annotations

import logging
import os
import socket
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.db import connections

from converge_core.errors import InvalidInput
from converge_site import envvars
from converge_site.broker import embedded_broker_prepare
from converge_site.celery import QUEUES, app
from intents.worker import worker_started, worker_stopped
from interfaces.commands import ConvergeCommand

POOLS = ("prefork", "threads", "solo")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Celery logs every task received and succeeded; the worker's own log says what happened.
CHATTY_LOGGERS = ("celery.app.trace", "celery.worker.strategy")


def default_node_name() -> str:
    return f"converge-{os.getpid()}@{socket.gethostname()}"


def parse_queues(value: str) -> list[str]:
    queues = [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(queues) - set(QUEUES))
    if not queues or unknown:
        raise InvalidInput(
            f"--queues: unknown queue(s) {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(QUEUES)}",
            field="queues",
        )
    return queues


class Command(ConvergeCommand):
    help = "Run a worker that validates and processes the queue (beat embedded unless --no-beat)."

    exit_code = 0

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--no-beat",
            action="store_true",
            help="do not embed the scheduler: run one `converge beat` for all workers",
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=settings.CONVERGE_WORKER_CONCURRENCY,
            help="tasks run at once (default $CONVERGE_WORKER_CONCURRENCY, 2)",
        )
        parser.add_argument(
            "--queues",
            default=",".join(settings.CONVERGE_WORKER_QUEUES),
            help=f"queues to consume, comma-separated (default: {','.join(QUEUES)})",
        )
        parser.add_argument("--pool", choices=POOLS, default="prefork", help="default prefork")
        parser.add_argument("--hostname", help="node name (default converge-<pid>@<host>)")
        parser.add_argument(
            "--loglevel",
            type=str.upper,
            choices=LOG_LEVELS,
            default=envvars.value("CONVERGE_LOG_LEVEL").upper(),
            help="default $CONVERGE_LOG_LEVEL",
        )

    def dispatch(self, options: dict[str, Any]) -> None:
        if options["concurrency"] < 1:
            raise InvalidInput("--concurrency must be at least 1", field="concurrency")
        queues = parse_queues(options["queues"])
        node = options["hostname"] or default_node_name()
        beat = not options["no_beat"]
        if options["loglevel"] != "DEBUG":
            for name in CHATTY_LOGGERS:
                logging.getLogger(name).setLevel(logging.WARNING)
        embedded_broker_prepare()
        worker = app.Worker(
            hostname=node,
            pool_cls=options["pool"],
            concurrency=options["concurrency"],
            queues=queues,
            beat=beat,
            # The embedded scheduler keeps its state in memory: the beat's file belongs to
            # `converge beat`, and two embedded schedulers must not share one.
            scheduler="celery.beat:Scheduler",
            loglevel=options["loglevel"],
            without_mingle=True,
            without_gossip=True,
            without_heartbeat=True,
        )
        worker_started(node=node, queues=queues, concurrency=options["concurrency"], beat=beat)
        # Pool processes open their own connections; none is inherited across the fork.
        connections.close_all()
        try:
            worker.start()
        finally:
            self.exit_code = worker.exitcode or 0
            # This process's connection may have idled past the server's timeout.
            connections.close_all()
            worker_stopped(node=node, exit_code=self.exit_code)

    def exit_code_for(self, result: Any) -> int:
        return self.exit_code
