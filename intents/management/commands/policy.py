"""``converge policy eval|calibrate``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from intents.management.commands.validate import add_pipeline_arguments, pipeline_options
from intents.risk import policy_calibrate
from intents.validation import intent_validate
from interfaces.commands import ConvergeCommand


class Command(ConvergeCommand):
    help = "Policy: dry-run evaluation and calibration of entropy budgets."
    subcommands = {
        "eval": "Run the validation pipeline as a dry run: no status change, no events.",
        "calibrate": "Derive entropy budgets from past evaluations and write them to a file.",
    }

    def arguments_eval(self, parser: ArgumentParser) -> None:
        add_pipeline_arguments(parser)

    def handle_eval(self, **options: Any) -> Any:
        return intent_validate(
            intent_id=options["intent_id"],
            options=pipeline_options(options, dry_run=True),
            actor=settings.CONVERGE_ACTOR,
        )

    def arguments_calibrate(self, parser: ArgumentParser) -> None:
        parser.add_argument("--output", help="default $CONVERGE_HOME/calibrated_profiles.json")
        parser.add_argument("--tenant-id")
        parser.add_argument("--min-samples", type=int, default=30)

    def handle_calibrate(self, **options: Any) -> Any:
        return policy_calibrate(
            output=options["output"],
            tenant_id=options["tenant_id"],
            min_samples=options["min_samples"],
        )
