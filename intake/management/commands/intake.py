"""``converge intake status|set-mode``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from converge_core.intake import SETTABLE_MODES
from intake.selectors import intake_status
from intake.services import intake_mode_set
from interfaces.commands import ConvergeCommand


class Command(ConvergeCommand):
    help = "Intake control: which new intents are admitted (open, throttle, pause, auto)."
    subcommands = {
        "status": "The mode in force, the override and the health and debt signals.",
        "set-mode": "Set the mode (auto removes the override and lets the signals decide).",
    }

    def arguments_status(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")

    def handle_status(self, **options: Any) -> Any:
        return intake_status(tenant_id=options["tenant_id"])

    def arguments_set_mode(self, parser: ArgumentParser) -> None:
        parser.add_argument("mode", choices=SETTABLE_MODES)
        parser.add_argument("--tenant-id", help="this tenant only (default: every tenant)")
        parser.add_argument("--reason", default="")

    def handle_set_mode(self, **options: Any) -> Any:
        return intake_mode_set(
            mode=options["mode"],
            tenant_id=options["tenant_id"],
            reason=options["reason"],
            actor=settings.CONVERGE_ACTOR,
        )
