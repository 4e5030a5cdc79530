"""``POST /v1/intents`` under generated bodies: a valid body is created and reads back as
sent; an invalid one is a 400 naming the broken field and stores nothing; no body, however
odd, is ever a 5xx (decisions §41).

Each example runs in a savepoint that is rolled back, so examples never see each other.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import TENANT, api_client, git_branches
from intents.models import Intent
from intents.tests.payloads import (
    PROPERTY,
    SOURCE_BRANCHES,
    arbitrary_bodies,
    expected_intent,
    invalid_payloads,
    rolled_back,
    valid_payloads,
)
from ledger.models import Event


def post(client: Any, body: Any) -> Any:
    """POST ``body`` as JSON text (ASCII-escaped, so lone surrogates reach the server)."""
    return client.post("/v1/intents", json.dumps(body), content_type="application/json")


@pytest.fixture
def operator(repository: Any, git_repo: Any, api_key: Any, settings: Any) -> Any:
    git_branches(git_repo, *SOURCE_BRANCHES)
    settings.CONVERGE_RATE_LIMIT_ENABLED = False
    return api_client(api_key("operator", actor="prop-bot"))


@PROPERTY
@given(payload=valid_payloads(tenant=TENANT))
def test_a_valid_body_is_created_and_reads_back_as_sent(operator, payload):
    with rolled_back():
        response = post(operator, payload)
        assert response.status_code == 200, response.content
        intent_id = response.json()["intent_id"]
        assert intent_id == payload.get("id", payload.get("intent_id", intent_id))
        served = operator.get(f"/v1/intents/{intent_id}")
        assert served.status_code == 200
        expected = {
            **expected_intent(payload, origin_default="api"),
            "id": intent_id,
            "tenant_id": TENANT,
            "created_by": "prop-bot",
        }
        assert {key: served.json()[key] for key in expected} == expected
        created = Event.objects.get(intent_id=intent_id, event_type="intent.created")
        assert created.payload["semantic"] == expected["semantic"]


@PROPERTY
@given(case=invalid_payloads(tenant=TENANT))
def test_an_invalid_body_is_a_400_naming_the_field_and_stores_nothing(operator, case):
    field, payload = case
    with rolled_back():
        response = post(operator, payload)
        assert response.status_code == 400, response.content
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert error["message"].startswith(f"body.{field}"), (payload, error["message"])
        assert not Intent.objects.exists()
        assert not Event.objects.exists()


@PROPERTY
@given(body=st.one_of(arbitrary_bodies(), arbitrary_bodies().map(lambda b: [b])))
def test_no_json_body_is_ever_a_server_error(operator, body):
    with rolled_back():
        response = post(operator, body)
        assert response.status_code < 500, response.content
        if response.status_code == 200:
            assert Intent.objects.filter(pk=response.json()["intent_id"]).exists()
        else:
            assert "error" in response.json()
            assert not Intent.objects.exists()
            assert not Event.objects.exclude(event_type="access.denied").exists()


@PROPERTY
@given(raw=st.one_of(st.binary(max_size=64), st.text(max_size=64).map(str.encode)))
def test_no_byte_string_is_ever_a_server_error(operator, raw):
    with rolled_back():
        response = operator.generic("POST", "/v1/intents", raw, content_type="application/json")
        assert response.status_code < 500, response.content
        if response.status_code != 200:
            assert not Intent.objects.exists() and not Event.objects.exists()
        else:
            assert isinstance(json.loads(raw), dict)
