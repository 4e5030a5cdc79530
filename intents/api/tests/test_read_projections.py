"""The intent list and the summary are reused while nothing is logged: a reuse runs the same
few queries whatever the number of intents, and an appended event, another tenant or other
parameters never get a stale or foreign answer."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from access import projections
from conftest import OTHER_TENANT, TENANT
from intents.tests.factories import IntentFactory, RepositoryFactory
from ledger.append import event_append

PATHS = ("/v1/intents", "/v1/intents?limit=50", "/v1/summary")


def _grow(repo, start: int, count: int, tenant: str = TENANT) -> None:
    for n in range(start, start + count):
        IntentFactory(id=f"i-{n}", repository=repo, tenant_id=tenant)
    # intents are created with an event: it is what moves the log's version
    event_append(event_type="intent.created", intent_id=f"i-{start}", tenant_id=tenant)


def _queries(client, path: str) -> tuple[int, bytes]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured), response.content


def test_a_reuse_costs_the_key_the_version_and_one_cache_read(db, api_viewer, settings):
    settings.CONVERGE_RATE_LIMIT_ENABLED = False
    repo = RepositoryFactory()
    _grow(repo, 0, 2)
    first = {path: _queries(api_viewer, path) for path in PATHS}
    reused = {path: _queries(api_viewer, path) for path in PATHS}
    # the key, the log's version, the cache entry: nothing else, and the same bytes
    assert {path: count for path, (count, _) in reused.items()} == dict.fromkeys(PATHS, 3)
    assert {path: body for path, (_, body) in reused.items()} == {
        path: body for path, (_, body) in first.items()
    }
    _grow(repo, 2, 40)
    for path in PATHS:
        computed, _ = _queries(api_viewer, path)
        assert computed > 3
        assert _queries(api_viewer, path)[0] == 3


def test_another_process_reuses_the_entry_without_its_body(db, api_viewer, settings):
    settings.CONVERGE_RATE_LIMIT_ENABLED = False
    _grow(RepositoryFactory(), 0, 3)
    made = api_viewer.get("/v1/intents").json()
    projections._local.clear()  # a process that did not make the entry keeps no body
    assert api_viewer.get("/v1/intents").json() == made


def test_an_appended_event_shows_the_change(db, api_viewer):
    repo = RepositoryFactory()
    _grow(repo, 0, 2)
    assert len(api_viewer.get("/v1/intents").json()) == 2
    assert api_viewer.get("/v1/summary").json()["queue"]["total"] == 2
    _grow(repo, 2, 1)
    assert len(api_viewer.get("/v1/intents").json()) == 3
    assert api_viewer.get("/v1/summary").json()["queue"]["total"] == 3


def test_tenants_and_parameters_do_not_share_an_entry(db, api_viewer, api_admin):
    repo = RepositoryFactory()
    _grow(repo, 0, 3)
    _grow(repo, 10, 1, tenant=OTHER_TENANT)
    assert len(api_admin.get("/v1/intents").json()) == 4
    assert len(api_viewer.get("/v1/intents").json()) == 3  # the viewer's key is bound to TENANT
    assert len(api_viewer.get("/v1/intents?limit=1").json()) == 1
    assert len(api_admin.get(f"/v1/intents?tenant_id={OTHER_TENANT}").json()) == 1
    assert api_viewer.get("/v1/summary").json()["queue"]["total"] == 3
    assert api_admin.get("/v1/summary").json()["queue"]["total"] == 4


def test_a_cache_outage_answers_from_the_database(db, api_viewer, monkeypatch):
    _grow(RepositoryFactory(), 0, 2)

    class Unavailable:
        def get(self, *args, **kwargs):
            raise ConnectionError("cache down")

        add = get

    monkeypatch.setattr(projections, "cache", Unavailable())
    response = api_viewer.get("/v1/intents")
    assert response.status_code == 200 and len(response.json()) == 2
    assert response["Content-Type"] == "application/json"
