"""``converge health now|trend|change|change-trend|entropy|predict``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from insights.health import change_health_snapshot, repo_health_snapshot
from insights.predictions import health_prediction_read
from insights.services import health_snapshot_record
from insights.trends import change_health_trend, entropy_trend, health_trend
from interfaces.commands import ConvergeCommand


class Command(ConvergeCommand):
    help = "Project health: repo and change health, their trends and a prediction."
    subcommands = {
        "now": "Repo health over the last 24 hours.",
        "trend": "Recorded repo health snapshots, newest first.",
        "change": "The health of one intent's change.",
        "change-trend": "Recorded change-health snapshots, newest first.",
        "entropy": "Entropy of recent risk evaluations, newest first.",
        "predict": "Where repo health is heading, from the recorded snapshots.",
    }

    def arguments_now(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")
        parser.add_argument(
            "--record", action="store_true", help="also record it as a health.snapshot event"
        )

    def handle_now(self, **options: Any) -> Any:
        if options["record"]:
            return health_snapshot_record(tenant_id=options["tenant_id"])
        return repo_health_snapshot(tenant_id=options["tenant_id"])

    def _trend_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")
        parser.add_argument("--days", type=int, default=30)

    arguments_trend = _trend_arguments
    arguments_change_trend = _trend_arguments
    arguments_entropy = _trend_arguments

    def handle_trend(self, **options: Any) -> Any:
        return health_trend(tenant_id=options["tenant_id"], days=options["days"])

    def handle_change_trend(self, **options: Any) -> Any:
        return change_health_trend(tenant_id=options["tenant_id"], days=options["days"])

    def handle_entropy(self, **options: Any) -> Any:
        return entropy_trend(tenant_id=options["tenant_id"], days=options["days"])

    def arguments_change(self, parser: ArgumentParser) -> None:
        parser.add_argument("--intent-id", required=True)
        parser.add_argument("--tenant-id")

    def handle_change(self, **options: Any) -> Any:
        return change_health_snapshot(
            intent_id=options["intent_id"], tenant_id=options["tenant_id"]
        )

    def arguments_predict(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")
        parser.add_argument("--horizon-days", type=int, default=7)

    def handle_predict(self, **options: Any) -> Any:
        return health_prediction_read(
            tenant_id=options["tenant_id"], horizon_days=options["horizon_days"]
        )
