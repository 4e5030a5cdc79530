"""Runbook "Export Operations": both lines run as written and write their files."""

from __future__ import annotations

import csv
import json

import pytest

from exports.dataset import COLUMNS
from intents.tests.factories import IntentFactory
from tests.runbook import runbook_env, runbook_line

JSONL = "converge --db $CONVERGE_DB_PATH export decisions --format jsonl --output decisions.jsonl"
CSV = "converge --db $CONVERGE_DB_PATH export decisions --format csv --output decisions.csv"


@pytest.fixture(autouse=True)
def deployment(monkeypatch, tmp_path):
    runbook_env(monkeypatch, tmp_path)
    monkeypatch.chdir(tmp_path)


def test_export_decision_dataset_as_json_lines_and_csv(cli, tmp_path):
    IntentFactory(id="a")
    IntentFactory(id="b")

    jsonl = runbook_line(cli, JSONL)
    exported = runbook_line(cli, CSV)

    assert (jsonl.exit_code, exported.exit_code) == (0, 0)
    assert jsonl.json["records"] == 2
    assert jsonl.json["output_path"] == str(tmp_path / "decisions.jsonl")
    lines = (tmp_path / "decisions.jsonl").read_text().splitlines()
    assert [json.loads(line)["intent_id"] for line in lines] == ["a", "b"]
    rows = list(csv.reader((tmp_path / "decisions.csv").open()))
    assert rows[0] == list(COLUMNS)
    assert [row[0] for row in rows[1:]] == ["a", "b"]
    assert exported.json["format"] == "csv"


def test_a_bad_window_is_refused_with_exit_2(cli):
    result = cli("export", "decisions", "--since", "yesterday")

    assert result.exit_code == 2
    assert "since must be an ISO-8601 timestamp" in result.stderr
