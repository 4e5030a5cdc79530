"""``converge compliance report|alerts|threshold-set|threshold-get|threshold-list``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from insights.compliance import (
    compliance_alerts,
    compliance_report,
    compliance_thresholds_get,
    compliance_thresholds_list,
)
from insights.services import compliance_thresholds_set
from interfaces.commands import ConvergeCommand

THRESHOLD_OPTIONS = (
    ("min_mergeable_rate", float),
    ("max_conflict_rate", float),
    ("max_retries_total", int),
    ("max_queue_tracked", int),
    ("max_debt_score", float),
)


class Command(ConvergeCommand):
    help = "Compliance: service-level checks, their alerts and per-tenant thresholds."
    subcommands = {
        "report": "Every check with its value and threshold.",
        "alerts": "The failing checks (exit 3 with --fail-on-alert when there are any).",
        "threshold-set": "Replace a tenant's thresholds.",
        "threshold-get": "Show a tenant's thresholds.",
        "threshold-list": "Every tenant's thresholds.",
    }
    alerted = False  # set by ``alerts --fail-on-alert`` when there are alerts

    def arguments_report(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")

    def handle_report(self, **options: Any) -> Any:
        return compliance_report(tenant_id=options["tenant_id"])

    def arguments_alerts(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")
        parser.add_argument("--fail-on-alert", action="store_true")

    def handle_alerts(self, **options: Any) -> Any:
        result = compliance_alerts(tenant_id=options["tenant_id"])
        self.alerted = options["fail_on_alert"] and bool(result["alerts"])
        return result

    def exit_code_for(self, result: Any) -> int:
        return 3 if self.alerted else 0

    def arguments_threshold_set(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id", required=True)
        for name, kind in THRESHOLD_OPTIONS:
            parser.add_argument(f"--{name.replace('_', '-')}", type=kind)

    def handle_threshold_set(self, **options: Any) -> Any:
        return compliance_thresholds_set(
            tenant_id=options["tenant_id"],
            data={name: options[name] for name, _ in THRESHOLD_OPTIONS},
            actor=settings.CONVERGE_ACTOR,
        )

    def arguments_threshold_get(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id", required=True)

    def handle_threshold_get(self, **options: Any) -> Any:
        return compliance_thresholds_get(tenant_id=options["tenant_id"])

    def arguments_threshold_list(self, parser: ArgumentParser) -> None:
        pass

    def handle_threshold_list(self, **options: Any) -> Any:
        return compliance_thresholds_list()
