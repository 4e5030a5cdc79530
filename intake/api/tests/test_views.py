import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import OTHER_TENANT, TENANT
from flags.services import flag_set
from insights.api import serializers as s
from insights.compliance import compliance_report
from insights.debt import debt_compute
from insights.health import change_health_snapshot
from insights.metrics import integration_metrics
from insights.models import TenantComplianceThresholds
from insights.services import compliance_thresholds_set, health_snapshot_record
from intake.api import serializers as intake_serializers
from intake.models import IntakeOverride
from intake.selectors import intake_status
from intents.api.serializers import HealthSnapshotSerializer
from intents.tests.factories import IntentFactory, RepositoryFactory
from ledger.models import Event
from ledger.tests.factories import events
from reviews.tests.factories import ReviewTaskFactory

GET_PATHS = [
    "/v1/intake/status",
    "/v1/intake/mode",
    "/v1/verification/debt",
    "/v1/health/repo/now",
    "/v1/health/repo/trend",
    "/v1/health/change/trend",
    "/v1/health/entropy/trend",
    "/v1/predictions",
    "/v1/compliance/report",
    "/v1/compliance/alerts",
    "/v1/compliance/thresholds",
    "/v1/compliance/thresholds/history",
    "/v1/metrics/integration",
    "/v1/dashboard",
    "/v1/dashboard/alerts",
]


@pytest.fixture(autouse=True)
def home(settings, tmp_path):
    settings.CONVERGE_HOME = tmp_path


def _mode_changes():
    return list(
        Event.objects.filter(event_type="intake.mode_changed")
        .order_by("seq")
        .values_list("tenant_id", "agent_id", "payload")
    )


def test_status_and_mode_read_the_keys_tenant(db, api_viewer):
    IntakeOverride.objects.create(tenant_id=OTHER_TENANT, mode="pause", set_at="2026-01-01T00:00Z")
    status = api_viewer.get(f"/v1/intake/status?tenant_id={OTHER_TENANT}").json()
    assert status == intake_status(tenant_id=TENANT)
    assert (status["mode"], status["manual_override"], status["tenant_id"]) == (
        "open",
        False,
        TENANT,
    )
    assert api_viewer.get("/v1/intake/mode").json() == {"mode": "open"}


def test_an_operator_sets_the_mode_of_their_tenant(db, api_operator):
    response = api_operator.post(
        "/v1/intake/mode", {"mode": "pause", "reason": "incident"}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"ok": True, "mode": "pause", "tenant_id": TENANT}
    override = IntakeOverride.objects.get()
    assert (override.tenant_id, override.mode, override.set_by) == (TENANT, "pause", "operator-bot")
    assert api_operator.get("/v1/intake/mode").json() == {"mode": "pause"}
    cleared = api_operator.post("/v1/intake/mode", {"mode": "auto"}, format="json")
    assert cleared.json() == {"ok": True, "mode": "auto", "tenant_id": TENANT}
    assert not IntakeOverride.objects.exists()
    assert [(tenant, payload["mode"]) for tenant, _, payload in _mode_changes()] == [
        (TENANT, "pause"),
        (TENANT, "auto"),
    ]


def test_an_unbound_caller_sets_the_mode_for_every_tenant_or_the_named_one(db, api_admin):
    assert api_admin.post("/v1/intake/mode", {"mode": "throttle"}, format="json").json() == {
        "ok": True,
        "mode": "throttle",
        "tenant_id": None,
    }
    named = api_admin.post(
        f"/v1/intake/mode?tenant_id={OTHER_TENANT}", {"mode": "open"}, format="json"
    )
    assert named.json()["tenant_id"] == OTHER_TENANT
    assert sorted(IntakeOverride.objects.values_list("tenant_id", "mode")) == [
        ("", "throttle"),
        (OTHER_TENANT, "open"),
    ]


def test_a_bad_mode_or_another_tenant_changes_nothing(db, api_operator):
    bad = api_operator.post("/v1/intake/mode", {"mode": "fast"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["error"] == {
        "code": "validation_error",
        "message": 'body.mode: "fast" is not a valid choice.',
    }
    foreign = api_operator.post(
        "/v1/intake/mode", {"mode": "pause", "tenant_id": OTHER_TENANT}, format="json"
    )
    assert foreign.status_code == 403
    assert not IntakeOverride.objects.exists() and _mode_changes() == []


def test_verification_debt_is_live_tenant_scoped_and_404_when_disabled(db, api_viewer, api_admin):
    repository = RepositoryFactory()
    for n in range(5):
        IntentFactory(id=f"a-{n}", repository=repository, tenant_id=TENANT)
    IntentFactory(id="b-1", repository=repository, tenant_id=OTHER_TENANT)
    ReviewTaskFactory(intent=IntentFactory(repository=repository, tenant_id=TENANT))
    debt = api_viewer.get(f"/v1/verification/debt?tenant_id={OTHER_TENANT}").json()
    assert debt["breakdown"]["active_intents"] == 6
    assert debt["breakdown"]["pending_reviews"] == 1
    assert {k: v for k, v in debt.items() if k != "timestamp"} == {
        k: v for k, v in debt_compute(tenant_id=TENANT).items() if k != "timestamp"
    }
    scoped = api_admin.get(f"/v1/verification/debt?tenant_id={OTHER_TENANT}").json()
    assert (scoped["tenant_id"], scoped["breakdown"]["active_intents"]) == (OTHER_TENANT, 1)
    flag_set(name="verification_debt", enabled=False, actor="ops")
    disabled = api_viewer.get("/v1/verification/debt")
    assert disabled.status_code == 404
    assert disabled.json()["error"]["code"] == "feature_disabled"


def test_repo_health_now_and_its_recorded_trend(db, api_viewer):
    events("simulation.completed", [{"mergeable": True}, {"mergeable": False}], tenant_id=TENANT)
    events("simulation.completed", [{"mergeable": False}] * 4, tenant_id=OTHER_TENANT)
    now = api_viewer.get("/v1/health/repo/now").json()
    assert (now["conflict_rate"], now["tenant_id"], now["status"]) == (0.5, TENANT, "green")
    assert api_viewer.get("/v1/health/repo/trend").json() == []
    recorded = health_snapshot_record(tenant_id=TENANT)
    health_snapshot_record(tenant_id=OTHER_TENANT)
    assert api_viewer.get("/v1/health/repo/trend?days=1").json() == [recorded]
    for bad in ("0", "366", "week"):
        response = api_viewer.get(f"/v1/health/repo/trend?days={bad}")
        assert response.status_code == 400
        assert response.json()["error"]["message"].startswith("query.days: ")


def test_change_health_needs_an_intent_of_the_keys_tenant(db, api_viewer):
    IntentFactory(id="mine", tenant_id=TENANT)
    IntentFactory(id="theirs", tenant_id=OTHER_TENANT)
    events("risk.evaluated", [{"risk_score": 60.0, "entropy_score": 10.0}], intent_id="mine")
    missing = api_viewer.get("/v1/health/change")
    assert missing.status_code == 400
    assert missing.json()["error"]["message"] == "intent_id required"
    mine = api_viewer.get("/v1/health/change?intent_id=mine").json()
    expected = change_health_snapshot(intent_id="mine")
    assert {k: v for k, v in mine.items() if k != "timestamp"} == {
        k: v for k, v in expected.items() if k != "timestamp"
    }
    assert mine["risk_score"] == 60.0
    hidden = api_viewer.get("/v1/health/change?intent_id=theirs")
    assert hidden.status_code == 404


def test_change_health_and_entropy_trends(db, api_viewer):
    IntentFactory(id="mine", tenant_id=TENANT)
    events("risk.evaluated", [{"entropy_score": 12.5}], intent_id="mine", tenant_id=TENANT)
    events("risk.evaluated", [{"entropy_score": 99.0}], tenant_id=OTHER_TENANT)
    events("health.change_snapshot", [{"intent_id": "mine"}], intent_id="mine", tenant_id=TENANT)
    entropy = api_viewer.get("/v1/health/entropy/trend").json()
    assert [(p["intent_id"], p["entropy_score"]) for p in entropy] == [("mine", 12.5)]
    assert api_viewer.get("/v1/health/change/trend").json() == [{"intent_id": "mine"}]


def test_predictions_are_an_array_of_signals(db, api_viewer, api_other_tenant):
    events("intent.requeued", [{}] * 6, tenant_id=TENANT)
    predictions = api_viewer.get("/v1/predictions").json()
    assert [p["signal"] for p in predictions] == ["queue_stalling"]
    assert list(predictions[0]) == list(s.PredictionSerializer().fields)
    assert api_other_tenant.get("/v1/predictions").json() == []


def test_compliance_report_alerts_and_thresholds(db, api_operator):
    compliance_thresholds_set(tenant_id=TENANT, data={"max_queue_tracked": 0}, actor="ops")
    compliance_thresholds_set(tenant_id=OTHER_TENANT, data={"max_debt_score": 5}, actor="ops")
    IntentFactory(tenant_id=TENANT)
    report = api_operator.get("/v1/compliance/report").json()
    assert {k: v for k, v in report.items() if k != "timestamp"} == {
        k: v for k, v in compliance_report(tenant_id=TENANT).items() if k != "timestamp"
    }
    alerts = api_operator.get("/v1/compliance/alerts").json()
    assert [(a["name"], a["alert"]) for a in alerts] == [
        ("queue_tracked", "SLO breach: queue_tracked")
    ]
    assert api_operator.get("/v1/compliance/thresholds").json() == [
        {"max_queue_tracked": 0, "tenant_id": TENANT}
    ]
    history = api_operator.get("/v1/compliance/thresholds/history").json()
    assert [(e["tenant_id"], e["payload"]) for e in history] == [(TENANT, {"max_queue_tracked": 0})]


def test_an_unbound_key_lists_every_tenants_thresholds(db, api_admin):
    assert api_admin.get("/v1/compliance/thresholds").json() == []
    compliance_thresholds_set(tenant_id=OTHER_TENANT, data={"max_debt_score": 5}, actor="ops")
    compliance_thresholds_set(tenant_id=TENANT, data={"max_queue_tracked": 3}, actor="ops")
    assert [row["tenant_id"] for row in api_admin.get("/v1/compliance/thresholds").json()] == [
        TENANT,
        OTHER_TENANT,
    ]
    only = api_admin.get(f"/v1/compliance/thresholds?tenant_id={OTHER_TENANT}").json()
    assert only == [{"max_debt_score": 5.0, "tenant_id": OTHER_TENANT}]


def test_threshold_writes_own_tenant_for_operators_any_for_admins(db, api_operator, api_admin):
    response = api_operator.post(
        "/v1/compliance/thresholds", {"min_mergeable_rate": 0.9}, format="json"
    )
    assert response.json() == {"ok": True, "tenant_id": TENANT}
    replaced = api_operator.post(
        "/v1/compliance/thresholds", {"max_queue_tracked": 10}, format="json"
    )
    assert replaced.status_code == 200
    assert TenantComplianceThresholds.objects.get(tenant_id=TENANT).data == {
        "max_queue_tracked": 10
    }
    foreign = api_operator.post(
        "/v1/compliance/thresholds",
        {"tenant_id": OTHER_TENANT, "max_queue_tracked": 1},
        format="json",
    )
    assert foreign.status_code == 403
    assert foreign.json()["error"]["message"] == "Forbidden: cannot access another tenant"
    admin = api_admin.post(
        f"/v1/compliance/thresholds?tenant_id={OTHER_TENANT}",
        {"max_debt_score": 50},
        format="json",
    )
    assert admin.json() == {"ok": True, "tenant_id": OTHER_TENANT}
    updates = Event.objects.filter(event_type="compliance.thresholds_updated")
    assert [(e.tenant_id, e.agent_id) for e in updates.order_by("seq")] == [
        (TENANT, "operator-bot"),
        (TENANT, "operator-bot"),
        (OTHER_TENANT, "admin-bot"),
    ]


def test_threshold_writes_are_validated(db, api_operator, api_admin):
    for body, message in [
        ({"min_mergeable_rate": 2}, "body.min_mergeable_rate: Ensure this value is less than"),
        ({"max_retries": 3}, "Unknown threshold(s) max_retries: use min_mergeable_rate, "),
        ({}, "Give at least one threshold: "),
        ({"max_queue_tracked": "many"}, "body.max_queue_tracked: A valid integer is required."),
    ]:
        response = api_operator.post("/v1/compliance/thresholds", body, format="json")
        assert response.status_code == 400, body
        assert response.json()["error"]["message"].startswith(message)
    missing = api_admin.post("/v1/compliance/thresholds", {"max_queue_tracked": 1}, format="json")
    assert missing.status_code == 400
    assert missing.json()["error"]["message"] == "tenant_id required"
    assert not TenantComplianceThresholds.objects.exists()


def test_integration_metrics(db, api_viewer):
    events("simulation.completed", [{"mergeable": True}, {"mergeable": False}], tenant_id=TENANT)
    events("intent.merged", [{}], tenant_id=TENANT)
    events("intent.merged", [{}], tenant_id=OTHER_TENANT)
    metrics = api_viewer.get("/v1/metrics/integration").json()
    assert (metrics["total_simulations"], metrics["total_merged"], metrics["mergeable_rate"]) == (
        2,
        1,
        0.5,
    )
    assert list(metrics) == list(s.IntegrationMetricsSerializer().fields)


def test_the_dashboard_composes_the_read_models(db, api_viewer):
    IntentFactory(id="mine", tenant_id=TENANT, priority=2)
    events("risk.evaluated", [{"risk_score": 30.0}], intent_id="mine", tenant_id=TENANT)
    compliance_thresholds_set(tenant_id=TENANT, data={"max_queue_tracked": 0}, actor="ops")
    dashboard = api_viewer.get("/v1/dashboard?risk_trend_days=7").json()
    assert list(dashboard) == list(s.DashboardSerializer().fields)
    assert dashboard["security"] == {"finding_counts": {"total": 0}, "recent_scans": []}
    assert dashboard["queue"]["pending"] == [
        {"intent_id": "mine", "status": "READY", "priority": 2, "retries": 0}
    ]
    assert dashboard["compliance"]["passed"] is False
    assert list(dashboard["compliance"]) == [
        "passed",
        "alerts",
        "checks",
        "mergeable_rate",
        "conflict_rate",
    ]
    assert [point["risk_score"] for point in dashboard["risk_trend"]] == [30.0]
    assert dashboard["debt"]["tenant_id"] == TENANT
    assert dashboard["metrics"]["tenant_id"] == TENANT
    flag_set(name="verification_debt", enabled=False, actor="ops")
    assert api_viewer.get("/v1/dashboard").json()["debt"] is None


def test_dashboard_alerts_mark_their_source(db, api_viewer):
    IntentFactory(tenant_id=TENANT)
    compliance_thresholds_set(tenant_id=TENANT, data={"max_queue_tracked": 0}, actor="ops")
    events("intent.requeued", [{}] * 6, tenant_id=TENANT)
    alerts = api_viewer.get("/v1/dashboard/alerts").json()
    assert alerts["compliance_passed"] is False and alerts["total"] == 2
    assert [(a["source"], a.get("name") or a.get("signal")) for a in alerts["alerts"]] == [
        ("compliance", "queue_tracked"),
        ("prediction", "queue_stalling"),
    ]


def test_output_serializers_describe_the_rendered_shapes(db):
    IntentFactory(id="mine", tenant_id=TENANT)
    IntakeOverride.objects.create(tenant_id="", mode="pause", set_at="2026-01-01T00:00Z")
    shapes = [
        (intake_serializers.IntakeStatusSerializer, intake_status(tenant_id=TENANT)),
        (intake_serializers.IntakeOverrideSerializer, intake_status(tenant_id=TENANT)["override"]),
        (s.DebtSnapshotSerializer, debt_compute(tenant_id=TENANT)),
        (s.ChangeHealthSerializer, change_health_snapshot(intent_id="mine")),
        (s.ComplianceReportSerializer, compliance_report(tenant_id=TENANT)),
        (s.IntegrationMetricsSerializer, integration_metrics(tenant_id=TENANT)),
        (HealthSnapshotSerializer, health_snapshot_record(tenant_id=TENANT)),
    ]
    for serializer, rendered in shapes:
        assert list(serializer().fields) == list(rendered), serializer


def test_get_requests_never_write(db, api_viewer, api_operator):
    IntentFactory(id="mine", tenant_id=TENANT)
    events("simulation.completed", [{"mergeable": False}], tenant_id=TENANT)
    before = Event.objects.count()
    for path in [*GET_PATHS, "/v1/health/change?intent_id=mine", "/v1/summary"]:
        assert api_operator.get(path).status_code == 200, path
    assert Event.objects.count() == before
    assert not IntakeOverride.objects.exists()


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200, path
    return len(captured)


def test_reads_use_a_fixed_number_of_queries(db, api_operator, settings):
    settings.CONVERGE_RATE_LIMIT_ENABLED = False
    repository = RepositoryFactory()

    def grow(start, count):
        for n in range(start, start + count):
            intent = IntentFactory(id=f"i-{n}", repository=repository, tenant_id=TENANT)
            ReviewTaskFactory(intent=intent)
            for event_type, payload in [
                ("simulation.completed", {"mergeable": n % 2 == 0}),
                ("risk.evaluated", {"risk_score": n, "entropy_score": n}),
                ("health.snapshot", {"repo_health_score": 90.0}),
                ("health.change_snapshot", {"intent_id": intent.id}),
            ]:
                events(event_type, [payload], intent_id=intent.id, tenant_id=TENANT)
            compliance_thresholds_set(
                tenant_id=TENANT, data={"max_queue_tracked": 100 + n}, actor="ops"
            )

    grow(0, 2)
    baseline = {path: _queries(api_operator, path) for path in GET_PATHS}
    grow(2, 25)
    assert {path: _queries(api_operator, path) for path in GET_PATHS} == baseline
