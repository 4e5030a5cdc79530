"""Runbook phase 8: check and change the intake mode."""

import pytest

from intake.models import IntakeOverride
from ledger.models import Event
from tests.runbook import runbook_env, runbook_line


@pytest.fixture(autouse=True)
def deployment(monkeypatch, tmp_path, settings):
    runbook_env(monkeypatch, tmp_path)
    settings.CONVERGE_ACTOR = "oncall"


def test_check_the_current_mode(cli, db):
    result = runbook_line(cli, "converge --db $CONVERGE_DB_PATH intake status")
    assert result.exit_code == 0
    assert (result.json["mode"], result.json["manual_override"]) == ("open", False)
    assert set(result.json["signals"]) >= {
        "health_score",
        "health_status",
        "debt_score",
        "debt_status",
        "effective_score",
        "queue_total",
        "queue_pending",
    }


@pytest.mark.parametrize("mode", ["open", "throttle", "pause"])
def test_change_the_mode(cli, db, mode):
    result = runbook_line(cli, f"converge --db $CONVERGE_DB_PATH intake set-mode {mode}")
    assert result.exit_code == 0
    assert result.json == {"ok": True, "mode": mode, "tenant_id": None}
    status = runbook_line(cli, "converge --db $CONVERGE_DB_PATH intake status").json
    assert (status["mode"], status["manual_override"]) == (mode, True)
    assert status["override"]["set_by"] == "oncall"


def test_auto_hands_the_mode_back_to_the_signals(cli, db):
    runbook_line(cli, "converge --db $CONVERGE_DB_PATH intake set-mode pause")
    result = runbook_line(cli, "converge --db $CONVERGE_DB_PATH intake set-mode auto")
    assert result.json == {"ok": True, "mode": "auto", "tenant_id": None}
    assert not IntakeOverride.objects.exists()
    status = runbook_line(cli, "converge --db $CONVERGE_DB_PATH intake status").json
    assert (status["mode"], status["manual_override"]) == ("open", False)
    changes = [e.payload["mode"] for e in Event.objects.filter(event_type="intake.mode_changed")]
    assert sorted(changes) == ["auto", "pause"]


def test_an_unknown_mode_is_a_usage_error(cli, db):
    result = runbook_line(cli, "converge --db $CONVERGE_DB_PATH intake set-mode fast")
    assert result.exit_code == 2 and "invalid choice: 'fast'" in result.stderr
    assert not IntakeOverride.objects.exists()
