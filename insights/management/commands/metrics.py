"""``converge metrics``: integration metrics as JSON (the Prometheus text is /metrics)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from insights.metrics import integration_metrics
from interfaces.commands import ConvergeCommand


class Command(ConvergeCommand):
    help = "Integration metrics: simulations, mergeable rate and decisions, all time."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")

    def dispatch(self, options: dict[str, Any]) -> Any:
        return integration_metrics(tenant_id=options["tenant_id"])
