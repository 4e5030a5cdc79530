"""``converge beat``: the scheduler alone, for workers started with ``converge worker --no-beat``.

Run exactly one per deployment: every beat sends every entry of ``CELERY_BEAT_SCHEDULE``.
Its state (when each entry last ran) is kept in ``$CONVERGE_HOME/beat-schedule``. Long-running:
prints no JSON; SIGTERM stops it.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from converge_site import envvars
from converge_site.broker import embedded_broker_prepare
from converge_site.celery import app
from converge_site.management.commands.worker import LOG_LEVELS
from interfaces.commands import ConvergeCommand
from interfaces.home import ensure_home


class Command(ConvergeCommand):
    help = "Run the beat scheduler that drives every worker started with --no-beat."

    requires_database = False

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--schedule",
            default=settings.CELERY_BEAT_SCHEDULE_FILENAME,
            help="state file (default $CONVERGE_HOME/beat-schedule)",
        )
        parser.add_argument(
            "--loglevel",
            type=str.upper,
            choices=LOG_LEVELS,
            default=envvars.value("CONVERGE_LOG_LEVEL").upper(),
            help="default $CONVERGE_LOG_LEVEL",
        )

    def dispatch(self, options: dict[str, Any]) -> None:
        ensure_home(settings.CONVERGE_HOME)
        embedded_broker_prepare()
        app.Beat(
            schedule=options["schedule"],
            scheduler="celery.beat:PersistentScheduler",
            loglevel=options["loglevel"],
        ).run()
