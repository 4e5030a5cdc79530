"""``converge intent create --file`` under generated files: a valid file is created and reads
back as written; an invalid one exits 2 with one line naming the broken field and stores
nothing; no file, however odd, is an unexpected error (exit 1) (decisions §41).

Each example runs in a savepoint that is rolled back, so examples never see each other.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import git_branches
from intents.models import Intent
from intents.tests.payloads import (
    PROPERTY,
    SOURCE_BRANCHES,
    arbitrary_bodies,
    expected_intent,
    invalid_payloads,
    labels,
    rolled_back,
    valid_payloads,
)
from ledger.models import Event


@pytest.fixture
def intent_file(tmp_path: Path, git_repo: Path) -> Path:
    git_branches(git_repo, *SOURCE_BRANCHES)
    return tmp_path / "intent.json"


@PROPERTY
@given(payload=valid_payloads(tenant="team-x"), actor=st.one_of(st.none(), labels))
def test_a_valid_file_is_created_and_reads_back_as_written(cli, intent_file, payload, actor):
    if actor is not None:
        payload = {**payload, "created_by": actor}
    intent_file.write_text(json.dumps(payload))
    with rolled_back():
        created = cli("intent", "create", "--file", str(intent_file))
        assert created.exit_code == 0, created.stderr
        intent_id = created.json["intent_id"]
        shown = cli("intent", "status", f"--intent-id={intent_id}").json["intent"]
        expected = {
            **expected_intent(payload, origin_default="human"),
            "id": intent_id,
            "tenant_id": payload.get("tenant_id"),
            "created_by": actor or "system",
        }
        assert {key: shown[key] for key in expected} == expected


@PROPERTY
@given(case=invalid_payloads(tenant="team-x"))
def test_an_invalid_file_exits_2_naming_the_field_and_stores_nothing(cli, intent_file, case):
    field, payload = case
    intent_file.write_text(json.dumps(payload))
    with rolled_back():
        result = cli("intent", "create", "--file", str(intent_file))
        assert result.exit_code == 2, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert result.stderr.startswith(f"error: {field}"), (payload, result.stderr)
        assert result.json["error"]["code"] == "validation_error"
        assert not Intent.objects.exists() and not Event.objects.exists()


@PROPERTY
@given(
    document=st.one_of(
        arbitrary_bodies().map(json.dumps),
        st.text(max_size=40),
        st.binary(max_size=40).map(lambda raw: raw.decode("latin-1")),
    )
)
def test_no_file_is_ever_an_unexpected_error(cli, intent_file, document):
    intent_file.write_bytes(document.encode("utf-8", "surrogatepass"))
    with rolled_back():
        result = cli("intent", "create", "--file", str(intent_file))
        assert result.exit_code in (0, 2), result.stderr
        if result.exit_code == 2:
            assert len(result.stderr.strip().splitlines()) == 1
            assert not Intent.objects.exists() and not Event.objects.exists()
