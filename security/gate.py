"""The security gate (``CONVERGE_POLICY_GATES``) and what it reads, part of each decision's
fingerprint (``CONVERGE_DECISION_INPUTS``).

The gate counts the open findings of the latest scan of the intent's merged tree against the
profile's limits (the runbook's table: low 0/5, medium 0/2, high 0/0, critical 0/0 critical/
high). It reuses a completed scan of the same files (path, mode and content) and scanners,
and otherwise scans inline (only the changed files, so it stays fast); a dry run scans
without storing anything.
The block reason names the findings (severity, rule, file, line, scanner). A scanner that was
unavailable or failed never counts as clean: the gate passes with a warning that says so.
The ``security_adapters`` flag off leaves the built-in gate, which sees no findings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from converge_core.fingerprint import digest
from converge_core.policy import GateContext, GateResult, gate_security
from converge_core.security import FindingStatus, ScannerStatus, ScanTrigger, block_details
from flags.selectors import flag_is_enabled
from security.models import SecurityFinding, SecurityScan
from security.scanners import configured_scanners, scanners_identity
from security.selectors import scan_findings
from security.services import intent_scope, reusable_scan, scan_execute, scan_plan, scan_preview

FLAG = "security_adapters"


def _row(finding: SecurityFinding) -> dict[str, Any]:
    return {
        "severity": finding.severity,
        "rule": finding.rule,
        "file": finding.file,
        "line": finding.line,
        "scanner": finding.scanner,
        "id": finding.id,
    }


def _gate_inputs(context: GateContext) -> tuple[list[dict[str, Any]], Sequence[Mapping[str, Any]]]:
    """The findings the gate counts and the scanners' results."""
    assert context.intent_id is not None and context.simulation is not None
    plan = scan_plan(
        intent_id=context.intent_id,
        simulation=dict(context.simulation),
        intent=context.extra.get("intent"),
    )
    scan = reusable_scan(plan)
    if scan is not None:
        return [_row(f) for f in scan_findings(scan)], scan.scanners
    if context.extra.get("dry_run"):
        results, found = scan_preview(plan)
        dismissed = set(
            SecurityFinding.objects.filter(
                scope=plan.scope, status=FindingStatus.DISMISSED
            ).values_list("fingerprint", flat=True)
        )
        rows = [
            {
                "severity": f.severity,
                "rule": f.rule,
                "file": f.file,
                "line": f.line,
                "scanner": f.scanner,
            }
            for fingerprint, f in found.items()
            if fingerprint not in dismissed
        ]
        return rows, [result.to_dict() for result in results]
    scan = scan_execute(plan, trigger=ScanTrigger.VALIDATION, actor="system")
    return [_row(f) for f in scan_findings(scan)], scan.scanners


def security_gate(context: GateContext) -> GateResult | None:
    """Gate 4 over the intent's findings (``None``: the flag is off or nothing to scan)."""
    if context.intent_id is None or not context.simulation:
        return None
    if not context.simulation.get("tree_sha") or not flag_is_enabled(FLAG):
        return None
    findings, scanners = _gate_inputs(context)
    counted = gate_security(replace(context, findings=findings))
    reason = counted.reason
    named = block_details(findings)
    if named:
        reason += f": {named}"
    missing = [
        f"{s['scanner']} {s['status']}" + (f" ({s['reason']})" if s.get("reason") else "")
        for s in scanners
        if s.get("status") in (ScannerStatus.UNAVAILABLE, ScannerStatus.ERROR)
    ]
    if missing:
        reason += f"; not checked: {'; '.join(missing)}"
    return GateResult(
        "security",
        counted.passed,
        reason,
        counted.value,
        counted.threshold,
        warn=counted.passed and bool(missing),
    )


def security_inputs(intent_ids: list[str]) -> dict[str, str]:
    """Intent id → digest of what the gate reads besides the merged tree (whose SHAs are in
    the fingerprint already): the flag, the scanners and their versions, the intent's
    dismissed findings and its latest operator scan (an operator's rescan is news; the
    validation's own scans and the pre-scans are what the gate would have run itself)."""
    enabled = flag_is_enabled(FLAG)
    if not enabled:
        return {intent_id: digest({"enabled": False}) for intent_id in intent_ids}
    identity = scanners_identity(configured_scanners())
    dismissed: dict[str, list[str]] = {}
    rows = (
        SecurityFinding.objects.filter(
            scope__in=[intent_scope(intent_id) for intent_id in intent_ids],
            status=FindingStatus.DISMISSED,
        )
        .order_by("fingerprint")
        .values_list("intent_id", "fingerprint")
    )
    for intent_id, fingerprint in rows:
        dismissed.setdefault(str(intent_id), []).append(fingerprint)
    latest: dict[str, str] = {}
    scans = (
        SecurityScan.objects.filter(intent_id__in=intent_ids, trigger=ScanTrigger.OPERATOR)
        .exclude(completed_at=None)
        .order_by("intent_id", "completed_at")
        .values_list("intent_id", "id")
    )
    for intent_id, scan_id in scans:
        latest[str(intent_id)] = scan_id
    return {
        intent_id: digest(
            {
                "enabled": True,
                "scanners": identity,
                "dismissed": dismissed.get(intent_id, []),
                "operator_scan": latest.get(intent_id),
            }
        )
        for intent_id in intent_ids
    }
