"""The security endpoints, under /v1 and the /api mirror: reads per tenant, a scan request
(operator) queued on the ``security`` queue and followed by its id, a dismissal (operator)."""

import pytest
from celery import current_app

from conftest import OTHER_TENANT, TENANT
from intents.tests.factories import create_intent
from security.models import SecurityScan
from security.services import security_scan
from security.tests.helpers import LEAK, SECRET, commit_branch


@pytest.fixture
def leaky(repository, git_repo):
    commit_branch(git_repo, "feature/leak", {"app/run.py": LEAK})
    create_intent(repository, "leaky", source="feature/leak", tenant_id=TENANT)
    scan, _ = security_scan(intent_id="leaky", actor="ops")
    return scan


def test_reads(leaky, api_viewer):
    findings = api_viewer.get("/api/security/findings", {"severity": "critical"}).json()
    assert findings["total"] == 1 and findings["findings"][0]["rule"] == "AWS Access Key"
    assert SECRET not in str(findings)
    counts = api_viewer.get("/v1/security/findings/counts", {"intent_id": "leaky"}).json()
    assert counts == {"critical": 1, "high": 1, "low": 1, "total": 3}
    scans = api_viewer.get("/v1/security/scans").json()
    assert [s["scan_id"] for s in scans["scans"]] == [leaky.id] and scans["total"] == 1
    one = api_viewer.get(f"/v1/security/scans/{leaky.id}").json()
    assert one["status"] == "completed" and one["files_scanned"] == 1
    summary = api_viewer.get("/api/security/summary").json()
    assert summary["finding_counts"]["total"] == 3 and len(summary["recent_scans"]) == 1


def test_another_tenant_sees_nothing(leaky, api_key):
    from conftest import api_client

    other = api_client(api_key("viewer", tenant=OTHER_TENANT))
    assert other.get("/v1/security/findings").json()["total"] == 0
    assert other.get(f"/v1/security/scans/{leaky.id}").status_code == 404
    assert other.get("/v1/security/summary").json()["recent_scans"] == []


def test_a_scan_request_is_queued_on_the_security_queue(
    repository, git_repo, api_operator, api_viewer, django_capture_on_commit_callbacks
):
    commit_branch(git_repo, "feature/leak", {"app/run.py": LEAK})
    create_intent(repository, "leaky", source="feature/leak", tenant_id=TENANT)
    assert api_viewer.post("/v1/security/scan", {}, format="json").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_operator.post("/api/security/scan", {"intent_id": "leaky"}, format="json")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["intent_id"], body["trigger"]) == ("queued", "leaky", "operator")
    # the task ran (inline in tests): the scan is followed by its id
    followed = api_operator.get(f"/v1/security/scans/{body['scan_id']}").json()
    assert followed["status"] == "completed" and followed["total_findings"] == 3
    route = current_app.amqp.router.route({}, "security.tasks.security_scan_task")
    assert route["queue"].name == "security"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"path": "../outside"}, 400),
        ({"path": "/etc"}, 400),
        ({"path": "missing/dir"}, 400),
        ({"intent_id": "unknown"}, 404),
    ],
)
def test_a_scan_request_is_confined_to_the_tree(repository, api_operator, body, status):
    answer = api_operator.post("/v1/security/scan", body, format="json")
    assert answer.status_code == status, answer.json()
    assert not SecurityScan.objects.exists()


def test_dismissal(leaky, api_operator, api_viewer):
    finding = api_viewer.get("/v1/security/findings", {"severity": "high"}).json()["findings"][0]
    url = f"/v1/security/findings/{finding['id']}/dismiss"
    assert api_viewer.post(url, {"reason": "x"}, format="json").status_code == 403
    assert api_operator.post(url, {}, format="json").status_code == 400
    done = api_operator.post(url, {"reason": "false positive: constant command"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "dismissed"
    assert api_operator.post(url, {"reason": "again"}, format="json").status_code == 409
    unknown = api_operator.post(
        "/v1/security/findings/nope/dismiss", {"reason": "x"}, format="json"
    )
    assert unknown.status_code == 404
