"""Read-only queries of scans and findings (tenant-scoped when a tenant is given)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count, QuerySet

from converge_core.security import SEVERITY_ORDER, FindingStatus, ScanStatus
from security.errors import FindingNotFound, ScanNotFound
from security.models import SecurityFinding, SecurityScan
from security.serialization import scan_serialize

RECENT_SCANS = 5


def finding_get(finding_id: str, *, tenant_id: str | None = None) -> SecurityFinding:
    queryset = SecurityFinding.objects.filter(pk=finding_id)
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    finding = queryset.first()
    if finding is None:
        raise FindingNotFound(f"Finding {finding_id} not found", finding_id=finding_id)
    return finding


def scan_get(scan_id: str, *, tenant_id: str | None = None) -> SecurityScan:
    queryset = SecurityScan.objects.filter(pk=scan_id)
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    scan = queryset.first()
    if scan is None:
        raise ScanNotFound(f"Scan {scan_id} not found", scan_id=scan_id)
    return scan


def _findings(
    *, intent_id: str | None, tenant_id: str | None, status: str | None
) -> QuerySet[SecurityFinding]:
    queryset = SecurityFinding.objects.all()
    if intent_id is not None:
        queryset = queryset.filter(intent_id=intent_id)
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    if status is not None:
        queryset = queryset.filter(status=status)
    return queryset


def finding_list(
    *,
    intent_id: str | None = None,
    scanner: str | None = None,
    severity: str | None = None,
    category: str | None = None,
    status: str | None = FindingStatus.OPEN,
    tenant_id: str | None = None,
    limit: int = 100,
) -> list[SecurityFinding]:
    """Findings newest first; open ones unless another ``status`` is asked for."""
    queryset = _findings(intent_id=intent_id, tenant_id=tenant_id, status=status)
    if scanner is not None:
        queryset = queryset.filter(scanner=scanner)
    if severity is not None:
        queryset = queryset.filter(severity=severity)
    if category is not None:
        queryset = queryset.filter(category=category)
    return list(queryset.order_by("-last_seen_at", "-id")[:limit])


def finding_counts(*, intent_id: str | None = None, tenant_id: str | None = None) -> dict[str, int]:
    """Open findings per severity (only the severities present, most severe first) and
    ``total``."""
    rows = (
        _findings(intent_id=intent_id, tenant_id=tenant_id, status=FindingStatus.OPEN)
        .values("severity")
        .annotate(n=Count("id"))
    )
    counts = Counter({row["severity"]: row["n"] for row in rows})
    result = {name: counts[name] for name in sorted(counts, key=SEVERITY_ORDER.__getitem__)}
    result["total"] = sum(counts.values())
    return result


def scan_list(
    *, intent_id: str | None = None, tenant_id: str | None = None, limit: int = 20
) -> list[SecurityScan]:
    queryset = SecurityScan.objects.all()
    if intent_id is not None:
        queryset = queryset.filter(intent_id=intent_id)
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    return list(queryset.order_by("-created_at", "-id")[:limit])


def security_summary(*, tenant_id: str | None = None) -> dict[str, Any]:
    """``{finding_counts, recent_scans}``: open findings by severity and the five latest
    completed scans (of the tenant when one is given)."""
    recent = SecurityScan.objects.filter(status=ScanStatus.COMPLETED)
    if tenant_id is not None:
        recent = recent.filter(tenant_id=tenant_id)
    return {
        "finding_counts": finding_counts(tenant_id=tenant_id),
        "recent_scans": [
            scan_serialize(scan) for scan in recent.order_by("-completed_at")[:RECENT_SCANS]
        ],
    }


def scan_findings(scan: SecurityScan) -> list[SecurityFinding]:
    """The findings a scan saw that are not dismissed (what the gate counts)."""
    if not scan.fingerprints:
        return []
    return list(
        SecurityFinding.objects.filter(scope=scan.scope, fingerprint__in=scan.fingerprints)
        .exclude(status=FindingStatus.DISMISSED)
        .order_by("file", "line", "id")
    )
