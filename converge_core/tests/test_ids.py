import pytest

from converge_core.errors import InvalidInput
from converge_core.ids import new_id, new_trace_id, validate_intent_id


@pytest.mark.parametrize(
    "value", ["demo-1", "acme/my.repo:pr-12", "a", "A_b.c:d-e", "x" * 200, "acme/repo:mg-0123abcd"]
)
def test_legal_intent_ids_are_accepted(value):
    assert validate_intent_id(value) == value


@pytest.mark.parametrize(
    "value",
    ["", "x" * 201, "a/b/c", "has space", "semi;colon", "/lead", "trail/", "..", "ä", None, 12],
)
def test_illegal_intent_ids_are_refused(value):
    with pytest.raises(InvalidInput) as excinfo:
        validate_intent_id(value)
    assert excinfo.value.exit_code == 2
    assert excinfo.value.extra == {"field": "intent_id"}


def test_new_id_is_twelve_lowercase_hex():
    value = new_id()
    assert len(value) == 12 and int(value, 16) >= 0 and value == value.lower()


def test_trace_id_is_pinned_by_environment(monkeypatch):
    monkeypatch.setenv("CONVERGE_TRACE_ID", "trace-pinned")
    assert new_trace_id() == "trace-pinned"
    monkeypatch.delenv("CONVERGE_TRACE_ID")
    fresh = new_trace_id()
    assert fresh.startswith("trace-") and len(fresh) == 18
