"""flag_set / flag_clear: validated, recorded as feature_flag.changed, seen at once."""

import pytest

from converge_core.errors import InvalidInput
from flags.models import FlagOverride
from flags.selectors import UnknownFlag, flag_is_enabled, flag_mode, flag_state
from flags.services import flag_clear, flag_set
from ledger.models import Event


def _changes():
    return [
        (e.payload, e.agent_id)
        for e in Event.objects.filter(event_type="feature_flag.changed").order_by("seq")
    ]


def test_set_stores_an_override_and_records_the_resolved_state(db):
    state = flag_set(name="notifications", enabled=True, mode="enforce", actor="ops")
    assert state.as_dict() == {
        "name": "notifications",
        "enabled": True,
        "description": "Outbound webhook notifications",
        "source": "api",
        "mode": "enforce",
    }
    assert flag_is_enabled("notifications") and flag_mode("notifications") == "enforce"
    row = FlagOverride.objects.get(pk="notifications")
    assert (row.enabled, row.mode, row.set_by) == (True, "enforce", "ops")
    assert _changes() == [({"flag": "notifications", "enabled": True, "mode": "enforce"}, "ops")]


def test_a_later_set_keeps_the_parts_it_does_not_give(db):
    flag_set(name="notifications", enabled=True, actor="ops")
    state = flag_set(name="notifications", mode="enforce", actor="ops")
    assert (state.enabled, state.mode) == (True, "enforce")


def test_clear_drops_the_override_and_records_the_resolved_state(db):
    flag_set(name="audit_chain", enabled=False, actor="ops")
    state = flag_clear(name="audit_chain", actor="lead")
    assert (state.enabled, state.source) == (True, "default")
    assert not FlagOverride.objects.exists()
    assert _changes()[-1] == ({"flag": "audit_chain", "enabled": True, "mode": ""}, "lead")


def test_clearing_a_flag_without_override_records_nothing(db):
    assert flag_clear(name="audit_chain", actor="ops").source == "default"
    assert _changes() == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "nope", "enabled": True}, UnknownFlag, "Unknown flag: nope"),
        ({"name": "notifications", "mode": "loud"}, InvalidInput, "invalid mode 'loud'"),
        ({"name": "audit_chain", "mode": "shadow"}, InvalidInput, "takes no mode"),
        ({"name": "audit_chain"}, InvalidInput, "Give enabled and/or mode"),
    ],
)
def test_bad_changes_are_refused_and_nothing_changes(db, kwargs, error, message):
    with pytest.raises(error, match=message):
        flag_set(actor="ops", **kwargs)
    assert not FlagOverride.objects.exists() and _changes() == []
    assert flag_state("audit_chain").source == "default"
