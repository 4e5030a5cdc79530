"""The decision dataset: one record per intent with its latest simulation, risk and policy."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import TENANT, api_client
from exports.dataset import COLUMNS, DatasetFilter, decision_records, guard_cell
from intents.tests.factories import IntentFactory
from ledger.tests.factories import events

RISK = {
    "risk_score": 42.0,
    "damage_score": 10.0,
    "entropy_score": 7.5,
    "propagation_score": 3.0,
    "containment_score": 0.9,
    "signals": {
        "entropic_load": 7.5,
        "contextual_value": 1.0,
        "complexity_delta": 2.0,
        "path_dependence": 0.0,
    },
    "bombs": [{"type": "cascade"}, {"type": "spiral"}],
    "graph_metrics": {"nodes": 4, "edges": 3, "density": 0.25},
}


def _decided(intent_id: str, **fields: object) -> None:
    IntentFactory(id=intent_id, **fields)
    events("simulation.completed", [{"mergeable": False}], intent_id=intent_id, hours_ago=2)
    events(
        "simulation.completed",
        [{"mergeable": True, "conflicts": [], "files_changed": ["a.py", "b.py"]}],
        intent_id=intent_id,
    )
    events("risk.evaluated", [RISK], intent_id=intent_id)
    events(
        "policy.evaluated", [{"verdict": "ALLOW", "profile_used": "medium"}], intent_id=intent_id
    )


@pytest.mark.django_db
def test_a_record_joins_the_intent_with_its_latest_decision_events():
    _decided("exp-1", tenant_id=TENANT)

    (record,) = decision_records(DatasetFilter())

    assert list(record) == list(COLUMNS)
    assert record["intent_id"] == "exp-1"
    assert (record["mergeable"], record["conflict_count"], record["files_changed_count"]) == (
        True,
        0,
        2,
    )
    assert (record["risk_score"], record["entropic_load"], record["path_dependence"]) == (
        42.0,
        7.5,
        0.0,
    )
    assert (record["bomb_count"], record["bomb_types"]) == (2, ["cascade", "spiral"])
    assert (record["policy_verdict"], record["policy_profile"]) == ("ALLOW", "medium")
    assert (record["graph_nodes"], record["graph_edges"], record["graph_density"]) == (4, 3, 0.25)


@pytest.mark.django_db
def test_an_intent_without_decisions_has_null_columns_and_tenants_filter():
    IntentFactory(id="bare", tenant_id="other")
    _decided("mine", tenant_id=TENANT)

    (record,) = decision_records(DatasetFilter(tenant_id="other"))

    assert record["intent_id"] == "bare"
    assert all(record[key] is None for key in COLUMNS[9:])


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+x", "'+x"),
        ("-x", "'-x"),
        ("@SUM", "'@SUM"),
        ("ok", "ok"),
        (-1.5, -1.5),
    ],
)
def test_text_that_reads_as_a_formula_is_guarded(value, cell):
    assert guard_cell(value) == cell


@pytest.mark.django_db
def test_the_http_export_streams_csv_with_guarded_cells(api_key):
    _decided("=cmd", tenant_id=TENANT, source="@evil")
    _decided("elsewhere", tenant_id="other")

    response = api_client(api_key("viewer")).get("/v1/export/decisions?fmt=csv")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == "attachment; filename=decisions.csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 2
    assert (rows[1][0], rows[1][1]) == ("'=cmd", "'@evil")
    assert rows[1][COLUMNS.index("bomb_types")] == "cascade,spiral"


@pytest.mark.django_db
def test_the_http_export_defaults_to_json_lines_and_records_the_export(api_key):
    _decided("one", tenant_id=TENANT)
    from ledger.selectors import latest_payload

    response = api_client(api_key("viewer")).get("/v1/export/decisions?fmt=xml")

    assert response["Content-Type"] == "application/x-ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["bomb_types"] for line in lines] == [["cascade", "spiral"]]
    exported = latest_payload(event_type="dataset.exported")
    assert exported is not None
    assert (exported["records"], exported["format"], exported["tenant_id"]) == (1, "jsonl", TENANT)


@pytest.mark.django_db
def test_no_intents_give_an_empty_body(api_key):
    response = api_client(api_key("viewer")).get("/v1/export/decisions?fmt=csv")

    assert b"".join(response.streaming_content) == b""
