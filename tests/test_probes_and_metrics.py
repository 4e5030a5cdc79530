from django.db import connection

from conftest import TENANT, api_client
from intents.tests.factories import IntentFactory, RepositoryFactory


def test_health_and_liveness(db):
    health = api_client().get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["timestamp"].endswith("+00:00")
    assert api_client().get("/health/live").json() == {"status": "ok"}


def test_liveness_does_not_touch_the_database():
    # no database fixture: any query would raise and turn the answer into a 500
    assert api_client().get("/health/live").status_code == 200


def test_ready_answers_ok_when_migrated(db):
    response = api_client().get("/health/ready")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_ready_is_503_naming_pending_migrations(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = %s AND name = %s",
            ["access", "0001_initial"],
        )
    response = api_client().get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["timestamp"]
    assert body["error"].startswith("migrations: 1 pending (access.0001_initial)")


def test_ready_is_503_when_the_database_is_unreachable(db, monkeypatch):
    from converge_core.errors import OperationFailed

    def unreachable():
        raise OperationFailed("Database unavailable: connection refused")

    monkeypatch.setattr("converge_site.probes.pending_migrations", unreachable)
    response = api_client().get("/health/ready")
    assert response.status_code == 503
    assert response.json()["error"] == "database: unreachable"


def test_metrics_expose_requests_by_route_template_and_intent_gauges(db, api_viewer):
    repo = RepositoryFactory()
    IntentFactory(id="acme/a:1", repository=repo, tenant_id=TENANT)
    IntentFactory(id="b", repository=repo, tenant_id=TENANT, status="MERGED")
    api_viewer.get("/v1/intents/acme/a:1")
    api_viewer.get("/api/intents/acme/a:1")
    response = api_client().get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert (
        'converge_http_requests_total{method="GET",path="/v1/intents/{intent_id}",status="200"}'
        in text
    )
    assert 'path="/api/intents/{intent_id}"' in text
    assert "acme/a:1" not in text
    assert "converge_http_request_duration_seconds_bucket" in text
    assert 'converge_intents{status="MERGED"} 1.0' in text
    assert f'converge_queue_depth{{status="READY",tenant="{TENANT}"}} 1.0' in text
    assert "django_http_requests_total_by_method_total" in text


def test_unknown_paths_share_one_label(db):
    api_client().get("/nothing/here/1")
    text = api_client().get("/metrics").content.decode()
    assert 'path="unmatched"' in text and "/nothing/here" not in text


def test_validations_are_counted_by_decision_and_blocking_gate():
    from interfaces import metrics

    def value(name, **labels):
        from prometheus_client import REGISTRY

        return REGISTRY.get_sample_value(name, labels) or 0

    before = value("converge_validation_blocks_total", gate="risk")
    blocked = {
        "decision": "blocked",
        "policy": {"verdict": "BLOCK", "gates": [{"gate": "risk", "passed": False}]},
    }
    metrics.observe_validation(blocked, 0.2)
    metrics.observe_validation({"decision": "blocked", "checks": [{"name": "lint"}]}, 0.1)
    assert value("converge_validation_blocks_total", gate="risk") == before + 1
    assert metrics.blocking_gates({"decision": "blocked"}) == ["simulation"]
    assert value("converge_validations_total", decision="blocked") >= 2
