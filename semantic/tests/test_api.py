"""The semantic API: reads stay read-only, writes need an operator, tenants stay apart."""

from __future__ import annotations

import pytest

from conftest import OTHER_TENANT, TENANT
from intents.tests.factories import IntentFactory, RepositoryFactory
from ledger.selectors import event_count
from semantic.models import Embedding, SemanticConflict
from semantic.tests.helpers import store

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair() -> tuple:
    repo = RepositoryFactory()
    a = IntentFactory(repository=repo, tenant_id=TENANT)
    b = IntentFactory(repository=repo, tenant_id=TENANT)
    store(a, [1.0, 0.0])
    store(b, [1.0, 0.05])
    return a, b


def test_the_get_scan_records_nothing_and_the_post_scan_records_once(
    pair, api_viewer, api_operator
) -> None:
    read = api_viewer.get("/v1/semantic/conflicts")
    assert read.status_code == 200
    assert len(read.json()["conflicts"]) == 1
    assert not SemanticConflict.objects.exists()

    assert api_viewer.post("/v1/semantic/conflicts/scan", {}, format="json").status_code == 403
    scanned = api_operator.post("/v1/semantic/conflicts/scan", {}, format="json")
    assert scanned.status_code == 200
    assert scanned.json()["persisted"]["opened"] == 1
    api_operator.post("/api/semantic/conflicts/scan", {}, format="json")
    assert event_count(event_type="semantic_conflict.detected") == 1

    active = api_viewer.get("/v1/semantic/conflicts/active").json()["conflicts"]
    assert [(c["intent_a"], c["intent_b"]) for c in active] == [(pair[0].pk, pair[1].pk)]


def test_resolve_clears_the_active_list_and_other_tenants_get_404(
    pair, api_operator, api_other_tenant
) -> None:
    api_operator.post("/v1/semantic/conflicts/scan", {}, format="json")
    body = {"intent_a": pair[0].pk, "intent_b": pair[1].pk, "resolution": "same change, keep a"}

    assert (
        api_other_tenant.post("/v1/semantic/conflicts/resolve", body, format="json").status_code
        == 404
    )
    resolved = api_operator.post("/v1/semantic/conflicts/resolve", body, format="json")

    assert resolved.status_code == 200
    assert resolved.json()["resolved_by"] == "operator-bot"
    assert api_operator.get("/v1/semantic/conflicts/active").json()["conflicts"] == []
    assert api_other_tenant.get("/v1/semantic/conflicts/active").json()["conflicts"] == []


def test_status_counts_the_tenants_index(pair, api_viewer) -> None:
    IntentFactory(tenant_id=TENANT)
    IntentFactory(tenant_id=OTHER_TENANT)

    status = api_viewer.get("/v1/semantic/status").json()

    assert (status["total_intents"], status["indexed"], status["indexed_pct"]) == (3, 2, 66.7)


def test_index_and_reindex_are_queued_for_operators(api_operator, api_viewer) -> None:
    intent = IntentFactory(tenant_id=TENANT)

    assert api_viewer.post(f"/v1/semantic/index/{intent.pk}", {}, format="json").status_code == 403
    queued = api_operator.post(f"/v1/semantic/index/{intent.pk}", {}, format="json")
    assert (queued.status_code, queued.json()["queued"]) == (202, "semantic_index")
    assert Embedding.objects.filter(intent=intent).exists()  # tasks run inline in tests
    missing = api_operator.post("/v1/semantic/index/nope", {}, format="json")
    assert missing.status_code == 404

    IntentFactory(tenant_id=TENANT)
    again = api_operator.post("/v1/semantic/reindex", {}, format="json")
    assert (again.status_code, again.json()["tenant_id"]) == (202, TENANT)
    assert Embedding.objects.count() == 2


def test_bad_input_answers_400(api_operator) -> None:
    bad = api_operator.get("/v1/semantic/conflicts?similarity_threshold=2")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "validation_error"
    unknown = api_operator.post("/v1/semantic/reindex", {"provider": "word2vec"}, format="json")
    assert unknown.status_code == 400
