"""The serialised forms of scans and findings shared by the CLI, the API and event payloads.

A finding's message is stored redacted already; nothing here ever adds a secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from converge_core.audit import format_timestamp
from security.models import SecurityFinding, SecurityScan


def _time(value: datetime | None) -> str | None:
    return format_timestamp(value) if value is not None else None


def finding_serialize(finding: SecurityFinding) -> dict[str, Any]:
    return {
        "id": finding.id,
        "scanner": finding.scanner,
        "category": finding.category,
        "severity": finding.severity,
        "confidence": finding.confidence,
        "rule": finding.rule,
        "file": finding.file,
        "line": finding.line,
        "message": finding.message,
        "fingerprint": finding.fingerprint,
        "status": finding.status,
        "intent_id": finding.intent_id,
        "tenant_id": finding.tenant_id,
        "scan_id": finding.scan_id,
        "source_sha": finding.source_sha,
        "dismissed_by": finding.dismissed_by or None,
        "dismissed_reason": finding.dismissed_reason or None,
        "dismissed_at": _time(finding.dismissed_at),
        "first_seen_at": _time(finding.first_seen_at),
        "last_seen_at": _time(finding.last_seen_at),
    }


def scan_serialize(scan: SecurityScan, *, reused: bool = False) -> dict[str, Any]:
    """The scan summary: ``{scan_id, status, total_findings, severity_counts, scanners, …}``."""
    return {
        "scan_id": scan.id,
        "status": scan.status,
        "intent_id": scan.intent_id,
        "tenant_id": scan.tenant_id,
        "trigger": scan.trigger,
        "actor": scan.actor,
        "path": scan.path,
        "ref": scan.ref,
        "source_sha": scan.source_sha or None,
        "target_sha": scan.target_sha or None,
        "tree_sha": scan.tree_sha or None,
        "files_scanned": scan.files_scanned,
        "total_findings": scan.total_findings,
        "severity_counts": dict(scan.severity_counts),
        "scanners": list(scan.scanners),
        "scanner_errors": list(scan.errors),
        "duration_ms": scan.duration_ms,
        "reused": reused,
        "timestamp": _time(scan.completed_at or scan.created_at),
        "created_at": _time(scan.created_at),
        "started_at": _time(scan.started_at),
        "completed_at": _time(scan.completed_at),
    }
