"""``converge security``: scan, findings, summary and dismiss (runbook phase 7 and the
security incident procedure)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from converge_core.security import CATEGORIES, SEVERITIES
from interfaces.commands import ConvergeCommand
from security.choices import FindingStatus
from security.selectors import finding_list, security_summary
from security.serialization import finding_serialize, scan_serialize
from security.services import finding_dismiss, security_scan


class Command(ConvergeCommand):
    help = "Security scans of merged trees, their findings and the security gate's inputs."
    subcommands = {
        "scan": "Scan now, in this process: an intent's changed files in its merged tree, "
        "or the target branch head without --intent-id.",
        "findings": "Open findings, newest first (filters: severity, category, scanner).",
        "summary": "Open findings by severity and the latest scans.",
        "dismiss": "Dismiss a finding with a reason (recorded).",
    }

    def arguments_scan(self, parser: ArgumentParser) -> None:
        parser.add_argument("--intent-id")
        parser.add_argument(
            "--path", default=".", help="a path inside the repository's tree (default: all)"
        )
        parser.add_argument("--tenant-id")

    def handle_scan(self, **options: Any) -> Any:
        with self.progress() as progress:
            scan, reused = security_scan(
                intent_id=options["intent_id"],
                path=options["path"],
                tenant_id=options["tenant_id"],
                actor=settings.CONVERGE_ACTOR,
                progress=progress,
            )
        return scan_serialize(scan, reused=reused)

    def arguments_findings(self, parser: ArgumentParser) -> None:
        parser.add_argument("--intent-id")
        parser.add_argument("--scanner")
        parser.add_argument("--severity", choices=SEVERITIES)
        parser.add_argument("--category", choices=CATEGORIES)
        parser.add_argument(
            "--status", choices=FindingStatus.values, default=str(FindingStatus.OPEN)
        )
        parser.add_argument("--tenant-id")
        parser.add_argument("--limit", type=int, default=100)

    def handle_findings(self, **options: Any) -> Any:
        findings = finding_list(
            intent_id=options["intent_id"],
            scanner=options["scanner"],
            severity=options["severity"],
            category=options["category"],
            status=options["status"],
            tenant_id=options["tenant_id"],
            limit=options["limit"],
        )
        rows = [finding_serialize(finding) for finding in findings]
        return {"findings": rows, "total": len(rows)}

    def arguments_summary(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")

    def handle_summary(self, **options: Any) -> Any:
        return security_summary(tenant_id=options["tenant_id"])

    def arguments_dismiss(self, parser: ArgumentParser) -> None:
        parser.add_argument("--finding-id", required=True)
        parser.add_argument("--reason", required=True)

    def handle_dismiss(self, **options: Any) -> Any:
        finding = finding_dismiss(
            finding_id=options["finding_id"],
            reason=options["reason"],
            actor=settings.CONVERGE_ACTOR,
        )
        return finding_serialize(finding)
