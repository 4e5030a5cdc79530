"""The runbook's "Escalate if": more than 5 semantic conflicts unresolved for over 24 hours
raise a compliance alert and a prediction signal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from insights.compliance import compliance_report
from insights.predictions import issue_predictions_read
from intents.tests.factories import IntentFactory
from semantic.models import SemanticConflict

pytestmark = pytest.mark.django_db


def _conflicts(count: int, *, hours_ago: float, status: str = "open") -> None:
    detected = timezone.now() - timedelta(hours=hours_ago)
    for _ in range(count):
        a, b = sorted(
            (IntentFactory(tenant_id="acme"), IntentFactory(tenant_id="acme")), key=lambda i: i.pk
        )
        SemanticConflict.objects.create(
            tenant_id="acme",
            intent_a=a,
            intent_b=b,
            model="m",
            score=0.8,
            similarity=0.8,
            target_overlap=1.0,
            scope_overlap=0.0,
            target="main",
            mode="shadow",
            status=status,
            detected_at=detected,
        )


def _semantic_alerts(tenant_id: str | None = "acme") -> list[dict]:
    report = compliance_report(tenant_id=tenant_id)
    return [a for a in report["alerts"] if a["alert"] == "Semantic conflicts unresolved"]


def _signals() -> list[str]:
    return [s["signal"] for s in issue_predictions_read(tenant_id="acme")]


def test_six_conflicts_open_for_a_day_raise_the_alert_and_the_signal() -> None:
    _conflicts(6, hours_ago=25)

    alerts = _semantic_alerts()

    assert [(a["value"], a["threshold"]) for a in alerts] == [(6, 5)]
    assert compliance_report(tenant_id="acme")["passed"] is False
    assert "semantic_conflicts_unresolved" in _signals()
    assert _semantic_alerts("other-tenant") == []


def test_five_old_or_six_recent_or_resolved_ones_do_not() -> None:
    _conflicts(5, hours_ago=25)
    _conflicts(3, hours_ago=2)
    _conflicts(4, hours_ago=30, status="resolved")

    assert _semantic_alerts() == []
    assert "semantic_conflicts_unresolved" not in _signals()
    assert compliance_report(tenant_id="acme")["semantic_conflicts_overdue"] == 5
