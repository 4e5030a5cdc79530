"""The API as a whole: one route list under two prefixes, the schema, the error envelope,
headers, trace ids and CORS."""

import pytest
from django.core.management import call_command
from django.urls import resolve, reverse

from conftest import TENANT, api_client, git_branches
from converge_site import api
from intents.tests.factories import IntentFactory, RepositoryFactory
from ledger.append import event_append
from ledger.models import Event

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-XSS-Protection": "0",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


# A sample value for each path parameter of the API.
PATH_SAMPLES = {
    "intent_id": "acme/my.repo:pr-12",
    "task_id": "rev-1",
    "name": "audit_chain",
    "scan_id": "0123456789ab",
    "finding_id": "ba9876543210",
}


def _routes(patterns):
    for pattern in patterns:
        if hasattr(pattern, "url_patterns"):
            yield from _routes(pattern.url_patterns)
        else:
            yield pattern.name, list(pattern.pattern.converters)


def test_both_prefixes_resolve_every_route_to_the_same_view():
    routes = list(_routes(api.urlpatterns))
    names = [name for name, _ in routes]
    assert len(names) == len(set(names)) > 20
    for name, parameters in routes:
        kwargs = {parameter: PATH_SAMPLES[parameter] for parameter in parameters}
        v1, mirror = reverse(f"v1:{name}", kwargs=kwargs), reverse(f"api:{name}", kwargs=kwargs)
        assert v1.startswith("/v1/") and mirror == "/api/" + v1.removeprefix("/v1/")
        assert resolve(v1).func.view_class is resolve(mirror).func.view_class
        assert resolve(v1).kwargs == resolve(mirror).kwargs == kwargs


def test_the_mirror_answers_byte_for_byte_the_same(db, api_viewer):
    IntentFactory(id="a", repository=RepositoryFactory(), tenant_id=TENANT)
    for path in ("intents", "queue/state", "auth/whoami", "intents/nope", "flags"):
        v1, mirror = api_viewer.get(f"/v1/{path}"), api_viewer.get(f"/api/{path}")
        assert (v1.status_code, v1.content) == (mirror.status_code, mirror.content)


def test_trailing_slashes_are_not_redirected(db, api_viewer):
    for path in ("/v1/intents/", "/api/queue/state/", "/v1/intents/a/"):
        response = api_viewer.get(path)
        assert response.status_code == 404
        assert response.json() == {"error": {"code": "http_404", "message": "Not Found"}}
    post = api_viewer.post("/v1/intents/", {}, format="json")
    assert post.status_code == 404


def test_unknown_routes_405_and_crashes_use_the_envelope(db, api_viewer, monkeypatch):
    unknown = api_client().get("/nowhere")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": {"code": "http_404", "message": "Not Found"}}
    not_allowed = api_viewer.delete("/v1/intents")
    assert not_allowed.status_code == 405
    assert not_allowed.json() == {"error": {"code": "http_405", "message": "Method Not Allowed"}}
    assert api_client().post("/health").json()["error"]["code"] == "http_405"

    def boom(**kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr("intents.api.views.api_selectors.queue_summary", boom)
    crash = api_viewer.get("/v1/queue/summary")
    assert crash.status_code == 500
    assert crash.json() == {
        "error": {"code": "internal_error", "message": "An internal error occurred."}
    }


def test_malformed_json_and_missing_fields_are_validation_errors(db, api_admin):
    broken = api_admin.generic(
        "POST", "/v1/auth/keys/rotate", "{not json", content_type="application/json"
    )
    assert broken.status_code == 400
    error = broken.json()["error"]
    assert error["code"] == "validation_error" and "JSON decode error" in error["message"]
    short = api_admin.post("/v1/auth/keys/rotate", {"grace_period_seconds": 5}, format="json")
    assert short.json()["error"] == {
        "code": "validation_error",
        "message": "body.grace_period_seconds: Ensure this value is greater than or equal to 60.",
    }
    listed = api_admin.post("/v1/intents", ["a"], format="json")
    assert listed.json()["error"]["message"] == "body: Expected a JSON object."


def test_bodies_are_taken_as_json_types_without_nul(db, api_admin):
    def post(body: str):
        response = api_admin.generic("POST", "/v1/intents", body, content_type="application/json")
        assert response.status_code == 400, body
        return response.json()["error"]

    # PostgreSQL stores no NUL: free-form objects refuse it too, instead of failing with a 500
    nul = post('{"source": "feature/x", "semantic": {"notes": ["ok", "a\\u0000b"]}}')
    assert nul["message"] == "body.semantic.notes.1: Null characters are not allowed."
    assert post("null")["message"] == "body: Expected a JSON object."
    assert post('{"source": 7}')["message"] == "body.source: must be a string, got a number"
    assert post('{"source": "f/x", "priority": "2"}')["message"] == (
        "body.priority: expected 1-5, got a string"
    )
    assert post('{"source": "f/x", "dependencies": [1]}')["message"] == (
        "body.dependencies[0]: must be a string, got a number"
    )


def test_an_empty_query_parameter_is_a_value(db, api_viewer):
    blank = api_viewer.get("/v1/events?tenant_id=")
    assert blank.status_code == 400
    assert blank.json()["error"]["message"] == "query.tenant_id: This field may not be blank."
    assert api_viewer.get("/v1/events?limit=").json()["error"]["message"] == (
        "query.limit: A valid integer is required."
    )


def test_every_operation_documents_its_errors_against_one_component():
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    error = {"$ref": "#/components/schemas/Error"}
    too_large = {"$ref": "#/components/schemas/PayloadTooLargeError"}
    statuses = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            statuses[f"{method.upper()} {path}"] = set(responses)
            assert {"401", "403", "429"} <= set(responses), (method, path)
            assert operation["security"] == [{"ApiKey": []}]
            for status, response in responses.items():
                if status >= "400":
                    assert response["content"]["application/json"]["schema"] == (
                        too_large if status == "413" else error
                    )
    assert statuses["POST /v1/intents"] >= {"400", "409", "413", "422"}
    assert "404" in statuses["GET /v1/intents/{intent_id}"]
    assert "400" not in statuses["GET /v1/flags"]  # no parameters, no body
    assert document["components"]["schemas"]["Error"]["required"] == ["error"]
    base, limit = document["components"]["schemas"]["PayloadTooLargeError"]["allOf"]
    assert base == error and limit["properties"]["error"]["required"] == ["limit"]


def test_the_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/v1/intents/{intent_id}/validate:" in text
    assert "/api/intents" not in text and "/v1/schema" not in text


def test_schema_and_its_ui_are_served(db):
    client = api_client()
    schema = client.get("/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200 and "/v1/intents" in schema.json()["paths"]
    ui = client.get("/v1/schema/ui")
    assert ui.status_code == 200 and b"swagger" in ui.content.lower()
    # the UI's assets come from this server, never from a CDN (it must work offline)
    assert b"drf_spectacular_sidecar/swagger-ui-dist" in ui.content
    assert b"cdn.jsdelivr" not in ui.content


def test_output_serializers_describe_the_rendered_shapes(repository):
    from intents.api import serializers
    from intents.serialization import intent_serialize
    from intents.tests.factories import create_intent
    from ledger.serialization import event_serialize

    intent = create_intent(repository, "s-1")
    assert list(serializers.IntentOutputSerializer().fields) == list(intent_serialize(intent))
    event = Event.objects.first()
    assert list(serializers.EventSerializer().fields) == list(event_serialize(event))


@pytest.mark.parametrize("path", ["/health", "/health/live", "/metrics", "/v1/intents", "/x"])
def test_security_headers_on_every_response(db, path):
    response = api_client().get(path)
    for name, value in SECURITY_HEADERS.items():
        assert response[name] == value, (path, name)


def test_an_incoming_trace_id_marks_the_events_of_the_request(repository, api_operator, git_repo):
    git_branches(git_repo, "f/x")
    response = api_operator.post(
        "/v1/intents", {"id": "t-1", "source": "f/x"}, format="json", HTTP_X_TRACE_ID="trace-abc"
    )
    assert response["X-Trace-Id"] == "trace-abc"
    created = Event.objects.get(event_type="intent.created")
    granted = Event.objects.get(event_type="access.granted")
    assert created.trace_id == granted.trace_id == "trace-abc"


def test_a_traceparent_gives_its_trace_id(db, api_viewer):
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    response = api_viewer.get("/v1/intents", HTTP_TRACEPARENT=parent)
    assert response["X-Trace-Id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    fresh = api_viewer.get("/v1/intents", HTTP_X_TRACE_ID="bad id with spaces")
    assert fresh["X-Trace-Id"].startswith("trace-")


def test_the_span_helper_is_a_no_op_without_tracing():
    from interfaces.tracing import span

    with span("converge.test", intent_id="a", missing=None) as current:
        assert current is None


def test_cors_is_closed_by_default_and_opens_to_configured_origins(db, settings, api_viewer):
    preflight = {
        "HTTP_ORIGIN": "https://ui.example",
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET",
    }
    closed = api_client().options("/v1/intents", **preflight)
    assert closed.status_code == 200
    assert "Access-Control-Allow-Origin" not in closed
    settings.CORS_ALLOWED_ORIGINS = ["https://ui.example"]
    opened = api_client().options(
        "/v1/intents", HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-api-key", **preflight
    )
    assert opened["Access-Control-Allow-Origin"] == "https://ui.example"
    assert "x-api-key" in opened["Access-Control-Allow-Headers"]
    assert "X-RateLimit-Remaining" not in opened  # preflights are not rate limited


def test_get_requests_never_write_events(repository, api_viewer):
    event_append(event_type="worker.started", tenant_id=TENANT)
    before = Event.objects.count()
    for path in ("/v1/intents", "/v1/summary", "/v1/events", "/v1/nope", "/v1/audit/recent"):
        api_viewer.get(path)
        api_client().get(path)
    assert Event.objects.count() == before
