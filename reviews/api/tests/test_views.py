from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import OTHER_TENANT, TENANT
from intents.tests.factories import IntentFactory, RepositoryFactory
from ledger.models import Event
from reviews.api.serializers import ReviewTaskSerializer
from reviews.models import ReviewTask
from reviews.serialization import review_serialize
from reviews.tests.factories import ReviewTaskFactory


def _intent(intent_id="i-1", tenant_id=TENANT, **fields):
    return IntentFactory(id=intent_id, tenant_id=tenant_id, **fields)


def _task(status="assigned", tenant_id=TENANT, **fields):
    fields.setdefault("reviewer", "alice" if status != "pending" else None)
    intent = fields.pop("intent", None) or IntentFactory(tenant_id=tenant_id)
    return ReviewTaskFactory(intent=intent, status=status, **fields)


def test_a_request_opens_a_policy_review_in_the_keys_tenant(db, api_operator):
    _intent(priority=2, risk_level="high")
    response = api_operator.post("/v1/reviews", {"intent_id": "i-1"}, format="json")
    assert response.status_code == 200
    body = response.json()
    task = ReviewTask.objects.get()
    assert body == review_serialize(task)
    assert (body["status"], body["trigger"], body["priority"], body["tenant_id"]) == (
        "pending",
        "policy",
        2,
        TENANT,
    )
    requested = Event.objects.get(event_type="review.requested")
    assert (requested.agent_id, requested.payload["id"]) == ("operator-bot", task.id)


def test_a_request_with_a_reviewer_is_assigned_and_an_open_one_is_reused(db, api_operator):
    _intent()
    body = {"intent_id": "i-1", "reviewer": "bob", "trigger": "manual", "priority": 1}
    first = api_operator.post("/v1/reviews", body, format="json").json()
    assert (first["status"], first["reviewer"], first["priority"]) == ("assigned", "bob", 1)
    again = api_operator.post("/v1/reviews", body, format="json").json()
    assert again["id"] == first["id"]
    forced = api_operator.post("/v1/reviews", {**body, "force": True}, format="json").json()
    assert forced["id"] != first["id"] and ReviewTask.objects.count() == 2


def test_a_request_for_an_unknown_or_hidden_intent_is_the_same_404(db, api_operator):
    _intent("theirs", tenant_id=OTHER_TENANT)
    for intent_id in ("theirs", "missing"):
        response = api_operator.post("/v1/reviews", {"intent_id": intent_id}, format="json")
        assert response.status_code == 404
        assert response.json()["error"] == {
            "code": "http_404",
            "message": f"Intent {intent_id} not found",
            "intent_id": intent_id,
        }
    assert not ReviewTask.objects.exists()


def test_a_request_is_validated(db, api_operator):
    _intent()
    for body, message in [
        ({}, "body.intent_id: Field required"),
        ({"intent_id": "i-1", "trigger": "whim"}, 'body.trigger: "whim" is not a valid choice.'),
        (
            {"intent_id": "i-1", "priority": 9},
            "body.priority: Ensure this value is less than or equal to 5.",
        ),
    ]:
        response = api_operator.post("/v1/reviews", body, format="json")
        assert response.status_code == 400
        assert response.json()["error"] == {"code": "validation_error", "message": message}
    assert not ReviewTask.objects.exists()


def test_moves_follow_the_state_table(db, api_operator):
    task = _task(status="pending", reviewer=None)
    path = f"/v1/reviews/{task.id}"
    assigned = api_operator.post(f"{path}/assign", {"reviewer": "bob"}, format="json").json()
    assert (assigned["status"], assigned["reviewer"]) == ("assigned", "bob")
    started = api_operator.post(f"{path}/start", format="json").json()
    assert started["status"] == "in_review"
    escalated = api_operator.post(f"{path}/escalate", {}, format="json").json()
    assert (escalated["status"], escalated["escalation_level"]) == ("escalated", 1)
    reason = Event.objects.get(event_type="review.escalated").payload["reason"]
    assert reason == "sla_breach"
    done = api_operator.post(
        f"{path}/complete", {"resolution": "rejected", "notes": "unsafe"}, format="json"
    ).json()
    assert (done["status"], done["resolution"]) == ("completed", "rejected")
    assert done["notes"] == "unsafe"
    moves = Event.objects.filter(event_type__startswith="review.").order_by("seq")
    assert [e.event_type for e in moves] == [
        "review.assigned",
        "review.started",
        "review.escalated",
        "review.completed",
    ]


def test_complete_defaults_to_approved_and_cancel_keeps_the_notes(db, api_operator):
    first, second = _task(notes="look at auth"), _task()
    approved = api_operator.post(f"/v1/reviews/{first.id}/complete", {}, format="json").json()
    assert approved["resolution"] == "approved"
    cancelled = api_operator.post(
        f"/v1/reviews/{second.id}/cancel", {"reason": "superseded"}, format="json"
    ).json()
    assert cancelled["status"] == "cancelled" and cancelled["notes"] == "Cancelled: superseded"


def test_an_illegal_move_is_a_409_and_changes_nothing(db, api_operator):
    task = _task(status="completed", resolution="approved")
    for move, body in [("assign", {"reviewer": "x"}), ("complete", {}), ("cancel", {})]:
        response = api_operator.post(f"/v1/reviews/{task.id}/{move}", body, format="json")
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "illegal_transition"
    pending = _task(status="pending", reviewer=None)
    assert api_operator.post(f"/v1/reviews/{pending.id}/start").status_code == 409
    assert ReviewTask.objects.get(pk=task.id).status == "completed"
    assert not Event.objects.filter(event_type__startswith="review.").exists()


def test_bad_input_to_a_move_is_a_400(db, api_operator):
    task = _task()
    bad_resolution = api_operator.post(
        f"/v1/reviews/{task.id}/complete", {"resolution": "maybe"}, format="json"
    )
    assert bad_resolution.status_code == 400
    assert bad_resolution.json()["error"]["message"] == (
        'body.resolution: "maybe" is not a valid choice.'
    )
    no_reviewer = api_operator.post(f"/v1/reviews/{task.id}/assign", {}, format="json")
    assert no_reviewer.json()["error"]["message"] == "body.reviewer: Field required"
    assert ReviewTask.objects.get(pk=task.id).status == "assigned"


def test_an_unknown_or_another_tenants_task_is_the_same_404(db, api_operator):
    theirs = _task(tenant_id=OTHER_TENANT)
    for task_id in (theirs.id, "rev-missing"):
        response = api_operator.post(f"/v1/reviews/{task_id}/escalate", {}, format="json")
        assert response.status_code == 404
        assert response.json()["error"] == {
            "code": "http_404",
            "message": f"Review task {task_id} not found",
            "task_id": task_id,
        }
    assert ReviewTask.objects.get(pk=theirs.id).status == "assigned"


def test_the_list_is_in_review_order_filtered_and_tenant_scoped(db, api_viewer, api_admin):
    intent = _intent()
    late = _task(intent=intent, priority=3, status="pending", reviewer=None)
    urgent = _task(intent=intent, priority=1, reviewer="bob")
    done = _task(priority=2, status="completed", resolution="approved")
    theirs = _task(tenant_id=OTHER_TENANT)

    body = api_viewer.get("/v1/reviews").json()
    assert [t["id"] for t in body["reviews"]] == [urgent.id, done.id, late.id]
    assert body["total"] == 3
    assert body["reviews"][0] == review_serialize(urgent)
    assert [t["id"] for t in api_viewer.get("/v1/reviews?status=pending").json()["reviews"]] == [
        late.id
    ]
    assert api_viewer.get("/v1/reviews?reviewer=bob").json()["total"] == 1
    assert api_viewer.get("/v1/reviews?intent_id=i-1&limit=1").json()["total"] == 1
    hidden = api_viewer.get(f"/v1/reviews?tenant_id={OTHER_TENANT}").json()
    assert theirs.id not in [t["id"] for t in hidden["reviews"]]
    assert api_admin.get("/v1/reviews").json()["total"] == 4
    only_theirs = api_admin.get(f"/v1/reviews?tenant_id={OTHER_TENANT}").json()["reviews"]
    assert [t["id"] for t in only_theirs] == [theirs.id]
    bad = api_viewer.get("/v1/reviews?status=stuck")
    assert bad.status_code == 400 and bad.json()["error"]["message"].startswith("query.status: ")


def test_the_summary_counts_the_keys_tenant(db, api_viewer):
    _task(status="pending", reviewer=None)
    _task(status="assigned", reviewer="bob")
    _task(status="in_review", reviewer="bob")
    _task(status="assigned", reviewer="carol", tenant_id=OTHER_TENANT)
    summary = api_viewer.get("/v1/reviews/summary").json()
    assert {key: summary[key] for key in ("total", "by_status", "by_reviewer", "sla_breached")} == {
        "total": 3,
        "by_status": {"assigned": 1, "in_review": 1, "pending": 1},
        "by_reviewer": {"bob": 2},
        "sla_breached": 0,
    }


def test_the_output_serializer_describes_the_rendered_task(db):
    assert list(ReviewTaskSerializer().fields) == list(review_serialize(_task()))


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_reads_use_a_fixed_number_of_queries(db, api_viewer, settings):
    settings.CONVERGE_RATE_LIMIT_ENABLED = False
    repository = RepositoryFactory()
    paths = ["/v1/reviews", "/v1/reviews/summary"]

    def grow(count):
        for _ in range(count):
            _task(intent=IntentFactory(repository=repository, tenant_id=TENANT))

    grow(2)
    baseline = {path: _queries(api_viewer, path) for path in paths}
    grow(25)
    assert {path: _queries(api_viewer, path) for path in paths} == baseline
