"""``converge export decisions``: the decision dataset as JSON lines or CSV."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from exports.dataset import FORMATS, DatasetFilter
from exports.services import export_decisions
from interfaces.commands import ConvergeCommand
from interfaces.timeparse import parse_instant


class Command(ConvergeCommand):
    help = "Export the decision dataset for external analysis or calibration."
    subcommands = {
        "decisions": "One record per intent: its latest simulation, risk and policy decision.",
    }

    def arguments_decisions(self, parser: ArgumentParser) -> None:
        parser.add_argument("--format", dest="fmt", choices=FORMATS, default="jsonl")
        parser.add_argument(
            "--output", help="file to write (default $CONVERGE_HOME/datasets/decisions.<fmt>)"
        )
        parser.add_argument("--tenant-id")
        parser.add_argument("--since", help="intents created at or after this ISO-8601 time")
        parser.add_argument("--until", help="intents created at or before this ISO-8601 time")

    def handle_decisions(self, **options: Any) -> Any:
        scope = DatasetFilter(
            tenant_id=options["tenant_id"],
            since=parse_instant(options["since"], field="since"),
            until=parse_instant(options["until"], field="until"),
        )
        with self.progress() as progress:
            return export_decisions(
                fmt=options["fmt"],
                output=options["output"],
                scope=scope,
                actor=settings.CONVERGE_ACTOR,
                progress=progress,
            )
