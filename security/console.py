"""What the security app adds to the operator console: the dashboard's panel of open critical
and high findings (``CONVERGE_DASHBOARD_SECTIONS``), shown while any is open."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse

from converge_core.hooks import DashboardSection
from converge_core.security import FindingStatus, Severity
from security.models import SecurityFinding

VIEW = "security.view_securityfinding"
SEVERE = (Severity.CRITICAL, Severity.HIGH)
SHOWN = 8


def findings_section(*, permissions: frozenset[str]) -> DashboardSection | None:
    """Open critical and high findings by severity and the most recent of them, each linked
    to its intent (two queries); nothing while none is open."""
    if VIEW not in permissions:
        return None
    severe = SecurityFinding.objects.filter(status=FindingStatus.OPEN, severity__in=SEVERE)
    counts = dict(
        severe.order_by()
        .values_list("severity")
        .annotate(count=Count("pk"))
        .values_list("severity", "count")
    )
    if not counts:
        return None
    changelist = reverse("admin:security_securityfinding_changelist")
    latest = severe.order_by("-last_seen_at", "-id")[:SHOWN]
    return DashboardSection(
        title="Security findings",
        template="admin/console/sections/security_findings.html",
        order=36,
        context={
            "counts": [
                (
                    str(severity),
                    counts.get(severity, 0),
                    f"{changelist}?status__exact={FindingStatus.OPEN}&severity__exact={severity}",
                )
                for severity in SEVERE
            ],
            "rows": [
                {
                    "finding": finding,
                    "url": reverse("admin:security_securityfinding_change", args=[finding.pk]),
                    "intent_url": reverse("admin:intents_intent_change", args=[finding.intent_id])
                    if finding.intent_id
                    else None,
                }
                for finding in latest
            ],
        },
    )
