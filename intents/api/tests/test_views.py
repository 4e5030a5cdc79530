from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import OTHER_TENANT, TENANT, api_client, git, git_branches
from intents.models import CommitLink, Intent
from intents.tests.factories import IntentFactory, RepositoryFactory, create_intent
from ledger.append import event_append
from ledger.models import Event


def test_create_answers_200_with_the_new_id_and_records_the_actor(repository, api_key, git_repo):
    git_branches(git_repo, "feature/x")
    client = api_client(api_key("operator", actor="alice"))
    response = client.post("/v1/intents", {"source": "feature/x", "priority": 2}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["status"] == "READY"
    assert body["intent_id"].startswith("api-")
    intent = Intent.objects.get(pk=body["intent_id"])
    assert (intent.created_by, intent.tenant_id, intent.origin_type) == ("alice", TENANT, "api")
    assert Event.objects.filter(intent_id=intent.id, event_type="intent.created").count() == 1


def test_create_of_an_existing_id_is_a_409_and_changes_nothing(repository, api_operator, git_repo):
    git_branches(git_repo, "feature/y")
    create_intent(repository, "dup-1", tenant_id=TENANT)
    response = api_operator.post(
        "/v1/intents", {"id": "dup-1", "source": "feature/y"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert Intent.objects.get(pk="dup-1").source == "feature/dup-1"


def test_create_with_a_bad_enum_is_a_validation_error(repository, api_operator):
    response = api_operator.post(
        "/v1/intents", {"source": "feature/x", "risk_level": "extreme"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "validation_error",
        "message": 'body.risk_level: "extreme" is not a valid choice.',
    }
    assert Intent.objects.count() == 0


def test_create_without_source_is_an_explicit_400(repository, api_operator):
    response = api_operator.post("/v1/intents", {"target": "main"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "http_400"
    assert response.json()["error"]["message"] == "source is required"


def test_create_falls_back_to_the_technical_refs(repository, api_operator, git_repo):
    git_branches(git_repo, "feature/t")
    body = {"id": "t-1", "technical": {"source_ref": "feature/t", "target_ref": "develop"}}
    assert api_operator.post("/v1/intents", body, format="json").status_code == 200
    assert Intent.objects.values_list("source", "target").get(pk="t-1") == ("feature/t", "develop")


def test_create_refused_by_intake_is_a_422_envelope(repository, api_operator, settings, git_repo):
    git_branches(git_repo, "f/x")
    settings.CONVERGE_ADMISSION_CHECKS = ["intents.api.tests.test_views.refuse_everything"]
    from intents.hooks import _load

    _load.cache_clear()
    try:
        response = api_operator.post("/v1/intents", {"id": "r-1", "source": "f/x"}, format="json")
    finally:
        _load.cache_clear()
    assert response.status_code == 422
    assert response.json() == {
        "error": {
            "code": "intake_rejected",
            "message": "paused for maintenance",
            "intent_id": "r-1",
            "mode": "pause",
        }
    }
    assert not Intent.objects.exists()


def refuse_everything(request):
    from converge_core.hooks import AdmissionVerdict

    return AdmissionVerdict(accepted=False, mode="pause", reason="paused for maintenance")


def test_ids_with_a_slash_and_a_colon_reach_every_by_id_route(repository, git_repo, api_operator):
    git(git_repo, "checkout", "-q", "-b", "feature/pr-12")
    (git_repo / "app.py").write_text("print('hi')\n")
    git(git_repo, "add", "app.py")
    git(git_repo, "commit", "-q", "-m", "change")
    git(git_repo, "checkout", "-q", "main")
    create_intent(repository, "acme/my.repo:pr-12", source="feature/pr-12", tenant_id=TENANT)
    for prefix in ("/v1", "/api"):
        detail = api_operator.get(f"{prefix}/intents/acme/my.repo:pr-12")
        assert detail.status_code == 200, detail.content
        assert detail.json()["id"] == "acme/my.repo:pr-12"
        events = api_operator.get(f"{prefix}/intents/acme/my.repo:pr-12/events")
        assert "intent.created" in [e["event_type"] for e in events.json()]
    patched = api_operator.patch("/v1/intents/acme/my.repo:pr-12", {"priority": 1}, format="json")
    assert patched.status_code == 200 and patched.json()["priority"] == 1
    validated = api_operator.post("/v1/intents/acme/my.repo:pr-12/validate", {}, format="json")
    assert validated.status_code == 200
    assert validated.json()["decision"] in ("validated", "blocked")
    assert validated.json()["intent_id"] == "acme/my.repo:pr-12"
    links = api_operator.get("/v1/intents/acme/my.repo:pr-12").json()["commit_links"]
    assert {link["role"] for link in links} == set(
        CommitLink.objects.filter(intent_id="acme/my.repo:pr-12").values_list("role", flat=True)
    )


def test_patch_changes_the_plan_fields_through_the_service(repository, api_operator):
    create_intent(repository, "p-1", tenant_id=TENANT)
    response = api_operator.patch(
        "/v1/intents/p-1", {"dependencies": ["p-0"], "plan_id": "plan-a"}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["dependencies"], response.json()["plan_id"]) == (["p-0"], "plan-a")
    event = Event.objects.filter(intent_id="p-1", event_type="intent.updated").get()
    assert event.payload["actor"] == "operator-bot"


def test_patch_without_a_field_is_a_validation_error(repository, api_operator):
    create_intent(repository, "p-1", tenant_id=TENANT)
    response = api_operator.patch("/v1/intents/p-1", {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == ("body: give dependencies, priority or plan_id")


def test_list_is_in_queue_order_filtered_and_limited(db, api_viewer):
    repo = RepositoryFactory()
    IntentFactory(id="b", repository=repo, priority=2, tenant_id=TENANT)
    IntentFactory(id="a", repository=repo, priority=1, tenant_id=TENANT, status="VALIDATED")
    IntentFactory(id="c", repository=repo, priority=3, tenant_id=TENANT)
    IntentFactory(id="x", repository=repo, priority=1, tenant_id=OTHER_TENANT)
    assert [i["id"] for i in api_viewer.get("/v1/intents").json()] == ["a", "b", "c"]
    assert [i["id"] for i in api_viewer.get("/v1/intents?status=READY").json()] == ["b", "c"]
    assert [i["id"] for i in api_viewer.get("/v1/intents?limit=1").json()] == ["a"]
    # the key's tenant wins over the requested one
    assert [i["id"] for i in api_viewer.get(f"/v1/intents?tenant_id={OTHER_TENANT}").json()] == [
        "a",
        "b",
        "c",
    ]


def test_limit_is_validated(db, api_viewer):
    for bad in ("0", "1001", "ten"):
        response = api_viewer.get(f"/v1/intents?limit={bad}")
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "validation_error" and error["message"].startswith("query.limit: ")


def test_an_unbound_key_reads_every_tenant_or_the_requested_one(db, api_admin):
    repo = RepositoryFactory()
    IntentFactory(id="a", repository=repo, tenant_id=TENANT)
    IntentFactory(id="x", repository=repo, tenant_id=OTHER_TENANT)
    assert len(api_admin.get("/v1/intents").json()) == 2
    assert [i["id"] for i in api_admin.get(f"/v1/intents?tenant_id={OTHER_TENANT}").json()] == ["x"]


def test_queue_state_and_summary_read_the_intents_table(db, api_viewer):
    repo = RepositoryFactory()
    IntentFactory(id="b", repository=repo, priority=2, tenant_id=TENANT, retries=1)
    IntentFactory(id="a", repository=repo, priority=2, tenant_id=TENANT, status="QUEUED")
    IntentFactory(id="m", repository=repo, priority=1, tenant_id=TENANT, status="MERGED")
    IntentFactory(id="x", repository=repo, tenant_id=OTHER_TENANT)
    state = api_viewer.get("/v1/queue/state").json()
    assert state == {
        "pending": [
            {"intent_id": "a", "status": "QUEUED", "priority": 2, "retries": 0},
            {"intent_id": "b", "status": "READY", "priority": 2, "retries": 1},
        ],
        "total": 3,
        "by_status": {"READY": 1, "QUEUED": 1, "MERGED": 1},
    }
    assert api_viewer.get("/v1/queue/summary").json() == {
        "total": 3,
        "by_status": {"READY": 1, "QUEUED": 1, "MERGED": 1},
        "pending_count": 2,
    }
    summary = api_viewer.get("/v1/summary").json()
    assert list(summary) == ["health", "queue"] and summary["queue"] == state
    assert (summary["health"]["active_intents"], summary["health"]["tenant_id"]) == (2, TENANT)


def _risk_event(intent_id, tenant, **payload):
    return event_append(
        event_type="risk.evaluated", intent_id=intent_id, tenant_id=tenant, payload=payload
    )


def test_risk_feeds_impact_edges_and_stored_diagnostics(db, api_viewer):
    _risk_event("a", TENANT, impact_edges=[{"from": "x", "to": "y"}], diagnostics=[{"k": 1}])
    _risk_event("b", TENANT, impact_edges=[{"from": "b", "to": "c"}], diagnostics=[{"k": 2}])
    _risk_event("z", OTHER_TENANT, impact_edges=[{"from": "z"}], diagnostics=[{"k": 9}])
    recent = api_viewer.get("/v1/risk/recent").json()
    assert [e["intent_id"] for e in recent] == ["b", "a"]
    assert api_viewer.get("/v1/impact/edges?intent_id=a").json() == [{"from": "x", "to": "y"}]
    assert api_viewer.get("/v1/impact/edges").json() == [{"from": "b", "to": "c"}]
    assert api_viewer.get("/v1/diagnostics/recent?intent_id=a").json() == [{"k": 1}]
    assert api_viewer.get("/v1/diagnostics/recent?intent_id=z").json() == []
    assert api_viewer.get("/v1/impact/edges?intent_id=none").json() == []


def test_risk_review_needs_an_intent_and_hides_other_tenants(repository, api_viewer):
    create_intent(repository, "mine", tenant_id=TENANT)
    create_intent(repository, "theirs", tenant_id=OTHER_TENANT)
    missing = api_viewer.get("/v1/risk/review")
    assert missing.status_code == 400
    assert missing.json()["error"] == {
        "code": "http_400",
        "message": "intent_id required",
        "field": "intent_id",
    }
    assert api_viewer.get("/v1/risk/review?intent_id=mine").json()["intent_id"] == "mine"
    hidden = api_viewer.get("/v1/risk/review?intent_id=theirs")
    assert hidden.status_code == 404


def test_risk_policy_write_then_read(db, api_operator, api_admin):
    body = {"max_risk_score": 40, "mode": "enforce", "max_blast_severity": None, "note": "x"}
    response = api_operator.post("/v1/risk/policy", body, format="json")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "tenant_id": TENANT}
    assert api_operator.get("/v1/risk/policy").json() == [
        {"max_risk_score": 40, "mode": "enforce", "note": "x", "tenant_id": TENANT, "version": 1}
    ]
    event = Event.objects.get(event_type="risk.policy_updated")
    assert (event.tenant_id, event.agent_id) == (TENANT, "operator-bot")
    missing = api_admin.post("/v1/risk/policy", {"max_risk_score": 10}, format="json")
    assert missing.status_code == 400 and missing.json()["error"]["message"] == "tenant_id required"
    other = api_admin.post(
        "/v1/risk/policy?tenant_id=tenant-c", {"max_risk_score": 10}, format="json"
    )
    assert other.json() == {"ok": True, "tenant_id": "tenant-c"}
    invalid = api_operator.post("/v1/risk/policy", {"mode": "loud"}, format="json")
    assert invalid.status_code == 400 and invalid.json()["error"]["code"] == "validation_error"


def test_gate_report_counts_blocks(db, api_viewer):
    for verdict in ("ALLOW", "BLOCK", "BLOCK"):
        event_append(event_type="policy.evaluated", tenant_id=TENANT, payload={"verdict": verdict})
    report = api_viewer.get("/v1/risk/gate/report").json()
    assert (report["total_evaluations"], report["total_blocked"], report["block_rate"]) == (
        3,
        2,
        0.667,
    )
    assert len(api_viewer.get("/v1/policy/recent").json()) == 3


def test_events_filter_by_type_intent_and_since(db, api_viewer):
    first = event_append(event_type="worker.started", tenant_id=TENANT)
    event_append(event_type="worker.stopped", tenant_id=TENANT, intent_id="a")
    event_append(event_type="worker.stopped", tenant_id=OTHER_TENANT)
    types = [e["event_type"] for e in api_viewer.get("/v1/events").json()]
    assert types == ["worker.stopped", "worker.started"]
    assert len(api_viewer.get("/v1/events?type=worker.stopped&intent_id=a").json()) == 1
    since = first.timestamp.isoformat()
    assert len(api_viewer.get("/v1/events", {"since": since}).json()) == 2
    bad = api_viewer.get("/v1/events?since=yesterday")
    assert bad.status_code == 400 and bad.json()["error"]["message"].startswith("query.since: ")


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_list_endpoints_use_a_fixed_number_of_queries(db, api_viewer, settings):
    settings.CONVERGE_RATE_LIMIT_ENABLED = False
    paths = [
        "/v1/intents",
        "/v1/queue/state",
        "/v1/queue/summary",
        "/v1/summary",
        "/v1/events",
        "/v1/risk/recent",
        "/v1/policy/recent",
        "/v1/risk/gate/report",
    ]

    def grow(start, count):
        repo = RepositoryFactory()
        for n in range(start, start + count):
            IntentFactory(id=f"i-{n}", repository=repo, tenant_id=TENANT)
            _risk_event(f"i-{n}", TENANT)
            event_append(event_type="policy.evaluated", tenant_id=TENANT, payload={})

    grow(0, 2)
    baseline = {path: _queries(api_viewer, path) for path in paths}
    grow(2, 25)
    assert {path: _queries(api_viewer, path) for path in paths} == baseline
