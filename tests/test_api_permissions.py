"""Every API endpoint against every kind of caller: the status, and that a refusal changes
nothing but (for writes) one ``access.denied`` event."""

import json
from dataclasses import dataclass
from typing import Any

import pytest

from access.models import ApiKey
from conftest import TENANT, git, git_branches
from flags.models import FlagOverride
from flags.services import flag_set
from insights.models import TenantComplianceThresholds
from intake.models import IntakeOverride
from intents.models import Intent, TenantRiskPolicy
from intents.tests.factories import create_intent
from ledger.models import Event
from reviews.models import ReviewTask
from reviews.tests.factories import ReviewTaskFactory
from security.models import SecurityFinding, SecurityScan
from security.tests.factories import SecurityFindingFactory, SecurityScanFactory

INTENT = "acme/web:pr-1"
OTHER_INTENT = "acme/web:pr-2"
TASK = "rev-0123456789ab"
FLAG = "security_adapters"
SCAN = "5ca000000001"
FINDING = "f1d000000001"
REVIEW_MOVES = [
    ("assign", {"reviewer": "bob"}),
    ("start", {}),
    ("complete", {"resolution": "approved"}),
    ("cancel", {"reason": "superseded"}),
    ("escalate", {}),
]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    role: str
    scope: str
    kind: str = "list"  # list | create | by_id | config | global
    body: Any = None
    success: int = 200  # 202 for work handed to the worker

    def __str__(self) -> str:
        return f"{self.method} {self.path.split('?')[0]}"


ENDPOINTS = [
    Endpoint("GET", "/v1/intents", "viewer", "intents.read"),
    Endpoint("POST", "/v1/intents", "operator", "intents.write", "create", {"source": "f/web"}),
    Endpoint("GET", f"/v1/intents/{INTENT}", "viewer", "intents.read", "by_id"),
    Endpoint(
        "PATCH", f"/v1/intents/{INTENT}", "operator", "intents.write", "by_id", {"priority": 1}
    ),
    Endpoint("GET", f"/v1/intents/{INTENT}/events", "viewer", "intents.read", "by_id"),
    Endpoint(
        "POST",
        f"/v1/intents/{INTENT}/validate",
        "operator",
        "intents.write",
        "by_id",
        {"skip_checks": True},
    ),
    Endpoint("GET", "/v1/summary", "viewer", "intents.read"),
    Endpoint("GET", "/v1/queue/state", "viewer", "queue.read"),
    Endpoint("GET", "/v1/queue/summary", "viewer", "queue.read"),
    Endpoint("GET", "/v1/queue", "viewer", "queue.read"),
    Endpoint("GET", "/v1/queue/analytics?since=2026-01-01T00:00:00Z", "viewer", "queue.read"),
    Endpoint(
        "POST",
        "/v1/queue/jump",
        "operator",
        "queue.write",
        "by_id",
        {"intent_id": INTENT, "reason": "hotfix"},
    ),
    Endpoint("POST", "/v1/queue/pause", "operator", "queue.write", "global", {"reason": "freeze"}),
    Endpoint("POST", "/v1/queue/resume", "operator", "queue.write", "global", {}),
    Endpoint("GET", "/v1/risk/recent", "viewer", "risk.read"),
    Endpoint("GET", f"/v1/risk/review?intent_id={INTENT}", "viewer", "risk.read", "by_id"),
    Endpoint("GET", "/v1/risk/shadow/recent", "viewer", "risk.read"),
    Endpoint("GET", "/v1/risk/gate/report", "viewer", "risk.read"),
    Endpoint("GET", "/v1/risk/policy", "viewer", "risk.read"),
    Endpoint(
        "POST",
        "/v1/risk/policy",
        "operator",
        "risk.write",
        "config",
        {"tenant_id": TENANT, "max_risk_score": 50},
    ),
    Endpoint("GET", "/v1/impact/edges", "viewer", "risk.read"),
    Endpoint("GET", "/v1/diagnostics/recent", "viewer", "risk.read"),
    Endpoint("GET", "/v1/policy/recent", "viewer", "events.read"),
    Endpoint("GET", "/v1/events", "viewer", "events.read"),
    Endpoint("GET", "/v1/audit/recent", "operator", "events.read"),
    Endpoint("GET", "/v1/flags", "viewer", "flags.read", "global"),
    Endpoint("POST", f"/v1/flags/{FLAG}", "admin", "flags.write", "global", {"enabled": False}),
    Endpoint("DELETE", f"/v1/flags/{FLAG}", "admin", "flags.write", "global"),
    Endpoint("GET", "/v1/reviews", "viewer", "reviews.read"),
    Endpoint("POST", "/v1/reviews", "operator", "reviews.write", "by_id", {"intent_id": INTENT}),
    Endpoint("GET", "/v1/reviews/summary", "viewer", "reviews.read"),
    *(
        Endpoint("POST", f"/v1/reviews/{TASK}/{move}", "operator", "reviews.write", "by_id", body)
        for move, body in REVIEW_MOVES
    ),
    Endpoint("GET", "/v1/security/findings", "viewer", "security.read"),
    Endpoint("GET", "/v1/security/findings/counts", "viewer", "security.read"),
    Endpoint("GET", "/v1/security/scans", "viewer", "security.read"),
    Endpoint("GET", f"/v1/security/scans/{SCAN}", "viewer", "security.read", "by_id"),
    Endpoint("GET", "/v1/security/summary", "viewer", "security.read"),
    Endpoint(
        "POST", "/v1/security/scan", "operator", "security.write", "by_id", {"intent_id": INTENT}
    ),
    Endpoint(
        "POST",
        f"/v1/security/findings/{FINDING}/dismiss",
        "operator",
        "security.write",
        "by_id",
        {"reason": "false positive"},
    ),
    Endpoint("GET", "/v1/semantic/status", "viewer", "semantic.read"),
    Endpoint("GET", "/v1/semantic/conflicts", "viewer", "semantic.read"),
    Endpoint("GET", "/v1/semantic/conflicts/active", "viewer", "semantic.read"),
    Endpoint("POST", "/v1/semantic/conflicts/scan", "operator", "semantic.write", "create", {}),
    Endpoint(
        "POST",
        "/v1/semantic/conflicts/resolve",
        "operator",
        "semantic.write",
        "by_id",
        {"intent_a": INTENT, "intent_b": OTHER_INTENT, "resolution": "same change, one kept"},
    ),
    Endpoint(
        "POST", f"/v1/semantic/index/{INTENT}", "operator", "semantic.write", "by_id", {}, 202
    ),
    Endpoint("POST", "/v1/semantic/reindex", "operator", "semantic.write", "create", {}, 202),
    Endpoint("GET", "/v1/intake/status", "viewer", "intake.read"),
    Endpoint("GET", "/v1/intake/mode", "viewer", "intake.read"),
    Endpoint("POST", "/v1/intake/mode", "operator", "intake.write", "create", {"mode": "pause"}),
    Endpoint("GET", "/v1/verification/debt", "viewer", "intents.read"),
    Endpoint("GET", "/v1/health/repo/now", "viewer", "intents.read"),
    Endpoint("GET", "/v1/health/repo/trend", "viewer", "intents.read"),
    Endpoint("GET", f"/v1/health/change?intent_id={INTENT}", "viewer", "intents.read", "by_id"),
    Endpoint("GET", "/v1/health/change/trend", "viewer", "intents.read"),
    Endpoint("GET", "/v1/health/entropy/trend", "viewer", "intents.read"),
    Endpoint("GET", "/v1/predictions", "viewer", "intents.read"),
    Endpoint("GET", "/v1/compliance/report", "viewer", "compliance.read"),
    Endpoint("GET", "/v1/compliance/alerts", "viewer", "compliance.read"),
    Endpoint("GET", "/v1/compliance/thresholds", "viewer", "compliance.read"),
    Endpoint(
        "POST",
        "/v1/compliance/thresholds",
        "operator",
        "compliance.write",
        "config",
        {"tenant_id": TENANT, "min_mergeable_rate": 0.5},
    ),
    Endpoint("GET", "/v1/compliance/thresholds/history", "operator", "compliance.read"),
    Endpoint("GET", "/v1/metrics/integration", "viewer", "events.read"),
    Endpoint("GET", "/v1/dashboard", "viewer", "intents.read"),
    Endpoint("GET", "/v1/dashboard/alerts", "viewer", "compliance.read"),
    Endpoint("GET", "/v1/export/decisions", "viewer", "events.read"),
    Endpoint("POST", "/v1/intents/evaluate", "viewer", "intents.read", "create", {"source": "f/x"}),
    Endpoint("GET", "/v1/agent/policy", "viewer", "agents.read"),
    Endpoint("POST", "/v1/agent/policy", "admin", "agents.write", "create", {"agent_id": "bot"}),
    Endpoint(
        "POST",
        "/v1/agent/authorize",
        "admin",
        "agents.admin",
        "create",
        {"agent_id": "bot", "action": "analyze", "intent_id": INTENT},
    ),
    Endpoint("GET", "/v1/auth/whoami", "viewer", "intents.read", "global"),
    Endpoint("POST", "/v1/auth/keys/rotate", "admin", "admin", "global", {}),
]

RANK = {"viewer": 0, "operator": 1, "admin": 2}
CALLERS = [
    "api_anonymous",
    "api_viewer",
    "api_operator",
    "api_admin",
    "api_other_tenant",
    "api_wrong_scope",
]


def expected(endpoint: Endpoint, caller: str) -> tuple[int, str | None]:
    """The status for a caller and, for a refusal by the access check, its reason."""
    if caller == "api_anonymous":
        return 401, "no_api_key"
    role = {"api_viewer": "viewer", "api_operator": "operator", "api_other_tenant": "operator"}
    if RANK[role.get(caller, "admin")] < RANK[endpoint.role]:
        return 403, "insufficient_role"
    if caller == "api_wrong_scope" and endpoint.scope != "queue.read":
        return 403, f"missing_scope:{endpoint.scope}"
    if caller == "api_other_tenant" and endpoint.kind == "by_id":
        return 404, None
    if caller == "api_other_tenant" and endpoint.kind == "config":
        return 403, "cross_tenant"
    return endpoint.success, None


@pytest.fixture
def world(repository, git_repo):
    git(git_repo, "checkout", "-q", "-b", "f/web")
    (git_repo / "web.py").write_text("VALUE = 1\n")
    git(git_repo, "add", "web.py")
    git(git_repo, "commit", "-q", "-m", "web")
    git(git_repo, "checkout", "-q", "main")
    intent = create_intent(repository, INTENT, source="f/web", tenant_id=TENANT, priority=3)
    create_intent(repository, OTHER_INTENT, source="f/web", tenant_id=TENANT, priority=3)
    ReviewTaskFactory(id=TASK, intent=intent, status="assigned", reviewer="alice")
    scan = SecurityScanFactory(id=SCAN, intent=intent)
    SecurityFindingFactory(id=FINDING, scan=scan)
    flag_set(name=FLAG, enabled=True, actor="ops")


def snapshot() -> dict[str, Any]:
    return {
        "intents": sorted(Intent.objects.values_list("id", "priority", "status", "tenant_id")),
        "policies": list(TenantRiskPolicy.objects.values_list("tenant_id", "version")),
        "keys": sorted(ApiKey.objects.values_list("pk", "expires_at", "revoked_at")),
        "reviews": sorted(ReviewTask.objects.values_list("id", "status", "reviewer", "notes")),
        "intake": sorted(IntakeOverride.objects.values_list("tenant_id", "mode")),
        "thresholds": list(
            TenantComplianceThresholds.objects.values_list("tenant_id", "data").order_by("pk")
        ),
        "flags": list(FlagOverride.objects.values_list("name", "enabled", "mode")),
        "scans": SecurityScan.objects.count(),
        "findings": sorted(SecurityFinding.objects.values_list("id", "status")),
        "events": Event.objects.exclude(event_type="access.denied").count(),
    }


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_permission_matrix(endpoint, caller, world, request):
    client = request.getfixturevalue(caller)
    status, reason = expected(endpoint, caller)
    before = snapshot()
    denied_before = Event.objects.filter(event_type="access.denied").count()

    response = client.generic(
        endpoint.method,
        endpoint.path,
        data=None if endpoint.body is None else json.dumps(endpoint.body),
        content_type="application/json",
    )

    assert response.status_code == status, response.content
    if status == endpoint.success:
        return
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == f"http_{status}"
    if status == 401:
        assert response["WWW-Authenticate"] == "ApiKey"
    if reason and reason.startswith("missing_scope:"):
        assert body["error"]["message"] == f"Missing scope: {endpoint.scope}"
    assert snapshot() == before
    denials = Event.objects.filter(event_type="access.denied").order_by("seq")
    if endpoint.method == "GET" or reason is None:
        assert denials.count() == denied_before
    else:
        assert denials.count() == denied_before + 1
        payload = denials.last().payload
        assert (payload["method"], payload["reason"]) == (endpoint.method, reason)


def test_every_api_route_is_in_the_matrix():
    from django.urls import get_resolver, resolve

    from converge_site import api

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.callback

    get_resolver()
    covered = {"/" + resolve(endpoint.path.split("?")[0]).route for endpoint in ENDPOINTS}
    routes = {"/v1/" + route for route, _ in walk(api.urlpatterns)}
    assert routes - covered == {"/v1/schema", "/v1/schema/ui"}


def test_every_method_of_every_view_declares_its_access():
    from converge_site import api

    def views(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns)
            else:
                yield pattern.callback.cls

    for view in views(api.urlpatterns):
        if view.__module__.startswith("drf_spectacular"):
            continue
        implemented = {m.upper() for m in view.http_method_names if hasattr(view, m)}
        assert implemented - {"OPTIONS", "HEAD"} == set(view.access), view


def test_a_wrong_role_gets_the_route_message(db, api_operator):
    response = api_operator.post("/v1/auth/keys/rotate", {}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Only admin can rotate keys"
    assert api_operator.get("/v1/audit/recent").status_code == 200


def test_an_unknown_key_is_a_401_recorded_on_writes(db):
    from conftest import api_client

    client = api_client("not-a-key")
    assert client.get("/v1/intents").status_code == 401
    response = client.post("/v1/intents", {"source": "x"}, format="json")
    assert response.status_code == 401
    event = Event.objects.get(event_type="access.denied")
    assert event.payload["reason"] == "invalid_key"
    assert "not-a-key" not in str(event.payload)


def test_successful_writes_are_recorded_and_reads_are_not(repository, api_operator, git_repo):
    git_branches(git_repo, "f/x")
    api_operator.get("/v1/intents")
    assert not Event.objects.filter(event_type__startswith="access.").exists()
    api_operator.post("/v1/intents", {"id": "w-1", "source": "f/x"}, format="json")
    granted = Event.objects.get(event_type="access.granted")
    assert (granted.tenant_id, granted.payload["actor"], granted.payload["path"]) == (
        TENANT,
        "operator-bot",
        "/v1/intents",
    )


def test_a_bound_admin_may_write_another_tenants_config_but_not_read_it(db, api_key):
    from conftest import api_client

    client = api_client(api_key("admin", tenant=TENANT))
    body = {"tenant_id": "tenant-b", "max_risk_score": 10}
    assert client.post("/v1/risk/policy", body, format="json").status_code == 200
    assert client.get("/v1/risk/policy?tenant_id=tenant-b").json() == []


def test_a_tenant_key_cannot_create_in_another_tenant(repository, api_operator):
    response = api_operator.post(
        "/v1/intents", {"source": "f/x", "tenant_id": "tenant-b"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Forbidden: cannot access another tenant"
    assert not Intent.objects.exists()


def test_with_auth_off_everyone_is_an_anonymous_admin_and_nothing_is_recorded(
    repository, api_anonymous, settings, git_repo
):
    git_branches(git_repo, "f/x")
    settings.CONVERGE_AUTH_REQUIRED = False
    assert api_anonymous.get("/v1/auth/whoami").json() == {
        "role": "admin",
        "actor": "anonymous",
        "tenant": None,
        "scopes": None,
        "key_prefix": None,
    }
    response = api_anonymous.post("/v1/intents", {"id": "o-1", "source": "f/x"}, format="json")
    assert response.status_code == 200
    assert Intent.objects.get(pk="o-1").created_by == "anonymous"
    assert not Event.objects.filter(event_type__startswith="access.").exists()


def test_a_failure_to_record_access_never_fails_the_request(
    repository, api_operator, api_viewer, monkeypatch, git_repo
):
    git_branches(git_repo, "f/x")

    def broken(**kwargs):
        raise RuntimeError("event log unavailable")

    monkeypatch.setattr("access.services.event_append", broken)
    created = api_operator.post("/v1/intents", {"id": "f-1", "source": "f/x"}, format="json")
    assert created.status_code == 200
    denied = api_viewer.post("/v1/intents", {"id": "f-2", "source": "f/x"}, format="json")
    assert denied.status_code == 403
