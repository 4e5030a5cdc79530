"""Setting the intake mode: override rows, events, auto clears."""

import pytest

from converge_core.errors import InvalidInput
from intake.models import IntakeOverride
from intake.selectors import intake_status
from intake.services import intake_mode_set
from ledger.models import Event


def _changes():
    return [
        (e.payload, e.tenant_id, e.agent_id)
        for e in Event.objects.filter(event_type="intake.mode_changed").order_by("seq")
    ]


def test_set_and_clear_an_override(db):
    assert intake_mode_set(mode="throttle", tenant_id="acme", actor="ops") == {
        "ok": True,
        "mode": "throttle",
        "tenant_id": "acme",
    }
    row = IntakeOverride.objects.get()
    assert (row.tenant_id, row.mode, row.set_by, row.set_by_sweep) == (
        "acme",
        "throttle",
        "ops",
        False,
    )
    assert intake_status(tenant_id="acme")["mode"] == "throttle"
    intake_mode_set(mode="auto", tenant_id="acme", actor="ops")
    intake_mode_set(mode="auto", tenant_id="acme", actor="ops")
    assert not IntakeOverride.objects.exists()
    assert _changes() == [
        (
            {"mode": "throttle", "set_by": "ops", "reason": "manual override to throttle"},
            "acme",
            "ops",
        ),
        (
            {
                "mode": "auto",
                "previous_override": True,
                "set_by": "ops",
                "reason": "manual override cleared",
            },
            "acme",
            "ops",
        ),
        (
            {
                "mode": "auto",
                "previous_override": False,
                "set_by": "ops",
                "reason": "manual override cleared",
            },
            "acme",
            "ops",
        ),
    ]


def test_an_operator_replaces_the_sweeps_throttle(db):
    IntakeOverride.objects.create(
        tenant_id="",
        mode="throttle",
        set_by="review-sweep",
        set_by_sweep=True,
        set_at="2026-01-01T00:00Z",
    )
    intake_mode_set(mode="open", reason="launch", actor="ops")
    row = IntakeOverride.objects.get()
    assert (row.mode, row.set_by, row.set_by_sweep, row.reason) == ("open", "ops", False, "launch")


def test_an_invalid_mode_changes_nothing(db):
    with pytest.raises(InvalidInput, match="Invalid mode: fast. Use open/throttle/pause/auto."):
        intake_mode_set(mode="fast", actor="ops")
    assert not IntakeOverride.objects.exists() and not Event.objects.exists()
