"""``converge verification debt``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from insights.debt import debt_snapshot
from insights.errors import FeatureDisabled
from insights.services import debt_snapshot_record
from interfaces.commands import ConvergeCommand


class Command(ConvergeCommand):
    help = "Verification debt: how much unverified and unprocessed work has piled up."
    subcommands = {"debt": "The debt score, its five parts and its status band."}

    def arguments_debt(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")
        parser.add_argument(
            "--record",
            action="store_true",
            help="also record it as a verification.debt.snapshot event",
        )

    def handle_debt(self, **options: Any) -> Any:
        if not options["record"]:
            return debt_snapshot(tenant_id=options["tenant_id"])
        snapshot = debt_snapshot_record(tenant_id=options["tenant_id"])
        if snapshot is None:
            raise FeatureDisabled("Verification debt is disabled (flag verification_debt)")
        return snapshot
