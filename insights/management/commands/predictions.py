"""``converge predictions``: issue signals from the last 24 hours against the 24 before."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from insights.predictions import issue_predictions_read
from interfaces.commands import ConvergeCommand


class Command(ConvergeCommand):
    help = "Predicted issues: rising conflicts, entropy spikes, stalls, rejections, bombs."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")

    def dispatch(self, options: dict[str, Any]) -> Any:
        return issue_predictions_read(tenant_id=options["tenant_id"])
