"""The compliance report over a rolling window, alerts and per-tenant thresholds."""

import pytest

from converge_core.errors import InvalidInput
from insights.compliance import (
    compliance_report,
    compliance_thresholds_get,
    compliance_thresholds_list,
)
from insights.models import TenantComplianceThresholds
from insights.services import compliance_thresholds_set
from intents.tests.factories import IntentFactory
from ledger.models import Event
from ledger.tests.factories import events


def test_the_report_checks_the_window_against_the_tenants_thresholds(db):
    for _ in range(3):
        IntentFactory(tenant_id="acme")
    IntentFactory(tenant_id="acme", status="MERGED")
    events(
        "simulation.completed", [{"mergeable": True}] * 3 + [{"mergeable": False}], tenant_id="acme"
    )
    events("simulation.completed", [{"mergeable": False}] * 9, tenant_id="acme", hours_ago=24 * 8)
    events("intent.requeued", [{}, {}], tenant_id="acme")
    events("queue.reset", [{}], tenant_id="acme")
    compliance_thresholds_set(tenant_id="acme", data={"max_queue_tracked": 2}, actor="ops")

    report = compliance_report(tenant_id="acme")
    assert (report["mergeable_rate"], report["conflict_rate"]) == (0.75, 0.25)
    assert (report["retries_total"], report["queue_tracked"], report["window_days"]) == (3, 3, 7)
    assert [(c["name"], c["value"], c["passed"]) for c in report["checks"]] == [
        ("mergeable_rate", 0.75, False),
        ("conflict_rate", 0.25, False),
        ("retries_total", 3, True),
        ("queue_tracked", 3, False),
        ("debt_score", report["debt_score"], True),
    ]
    assert report["passed"] is False
    assert [a["alert"] for a in report["alerts"]] == [
        "SLO breach: mergeable_rate",
        "SLO breach: conflict_rate",
        "SLO breach: queue_tracked",
    ]
    assert report["thresholds"]["max_queue_tracked"] == 2
    assert compliance_report(tenant_id="other")["passed"] is True


def test_the_debt_check_is_left_out_while_debt_is_disabled(db, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_VERIFICATION_DEBT", "0")
    report = compliance_report()
    assert report["debt_score"] is None
    assert [check["name"] for check in report["checks"]] == [
        "mergeable_rate",
        "conflict_rate",
        "retries_total",
        "queue_tracked",
    ]


def test_thresholds_are_replaced_wholesale_and_recorded(db):
    compliance_thresholds_set(
        tenant_id="acme", data={"min_mergeable_rate": 0.9, "max_retries_total": 5}, actor="ops"
    )
    compliance_thresholds_set(tenant_id="acme", data={"max_debt_score": 50}, actor="lead")
    assert compliance_thresholds_get(tenant_id="acme") == {
        "max_debt_score": 50.0,
        "tenant_id": "acme",
    }
    assert compliance_thresholds_get(tenant_id="none") == {
        "message": "No thresholds configured for this tenant"
    }
    assert compliance_thresholds_list() == [{"max_debt_score": 50.0, "tenant_id": "acme"}]
    updates = Event.objects.filter(event_type="compliance.thresholds_updated").order_by("seq")
    assert [(e.payload, e.agent_id) for e in updates] == [
        ({"min_mergeable_rate": 0.9, "max_retries_total": 5}, "ops"),
        ({"max_debt_score": 50.0}, "lead"),
    ]


@pytest.mark.parametrize(
    ("tenant_id", "data", "message"),
    [
        ("", {"max_debt_score": 50}, "tenant_id required"),
        ("acme", {"mergeable_rate": 0.9}, "Unknown threshold"),
        ("acme", {"max_conflict_rate": 3}, "between 0 and 1"),
    ],
)
def test_invalid_thresholds_change_nothing(db, tenant_id, data, message):
    with pytest.raises(InvalidInput, match=message):
        compliance_thresholds_set(tenant_id=tenant_id, data=data, actor="ops")
    assert not TenantComplianceThresholds.objects.exists() and not Event.objects.exists()
