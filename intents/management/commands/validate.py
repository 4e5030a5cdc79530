"""``converge validate --intent-id X``: run the validation pipeline."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from intents.validation import ValidationOptions, intent_validate
from interfaces.commands import ConvergeCommand


def add_pipeline_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--intent-id", required=True)
    parser.add_argument("--source", help="new source branch (saved on the intent)")
    parser.add_argument("--target", help="new target branch (saved on the intent)")
    parser.add_argument(
        "--use-last-simulation",
        action="store_true",
        help="reuse the last simulation while both SHAs are unchanged",
    )
    parser.add_argument(
        "--skip-checks",
        dest="skip_required_checks",
        action="store_true",
        help="do not run checks (they count as unverified)",
    )
    parser.add_argument("--policy", help="policy.json to use")


def pipeline_options(options: dict[str, Any], *, dry_run: bool) -> ValidationOptions:
    return ValidationOptions(
        use_last_simulation=options["use_last_simulation"],
        skip_checks=options["skip_required_checks"],
        dry_run=dry_run,
        policy_path=options["policy"],
        source=options["source"],
        target=options["target"],
    )


class Command(ConvergeCommand):
    help = "Validate an intent: simulation, risk, checks and policy gates."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_pipeline_arguments(parser)

    def dispatch(self, options: dict[str, Any]) -> Any:
        return intent_validate(
            intent_id=options["intent_id"],
            options=pipeline_options(options, dry_run=False),
            actor=settings.CONVERGE_ACTOR,
        )
