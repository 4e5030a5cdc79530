import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from converge_core.audit import (
    GENESIS_HASH,
    canonical_event,
    chain_hash,
    format_timestamp,
    normalize_json,
)

WHEN = datetime(2025, 1, 15, 10, 0, 0, tzinfo=UTC)


def _canonical(**overrides):
    fields = dict(
        event_id="abc123def456",
        trace_id="trace-000000000001",
        timestamp=WHEN,
        event_type="intent.created",
        intent_id="demo-1",
        agent_id=None,
        tenant_id="t1",
        payload={"b": 1, "a": "é"},
        evidence={},
    )
    fields.update(overrides)
    return canonical_event(**fields)


def test_timestamp_always_has_microseconds_and_utc_offset():
    assert format_timestamp(WHEN) == "2025-01-15T10:00:00.000000+00:00"
    plus_two = datetime(2025, 1, 15, 12, 0, 0, 5, tzinfo=timezone(timedelta(hours=2)))
    assert format_timestamp(plus_two) == "2025-01-15T10:00:00.000005+00:00"


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError):
        format_timestamp(datetime(2025, 1, 1))


def test_canonical_form_is_pinned():
    assert _canonical() == (
        '{"agent_id":null,"event_type":"intent.created","evidence":{},"id":"abc123def456",'
        '"intent_id":"demo-1","payload":{"a":"\\u00e9","b":1},"tenant_id":"t1",'
        '"timestamp":"2025-01-15T10:00:00.000000+00:00","trace_id":"trace-000000000001"}'
    )


def test_hash_is_sha256_of_prev_newline_canonical():
    canonical = _canonical()
    expected = hashlib.sha256((GENESIS_HASH + "\n" + canonical).encode()).hexdigest()
    assert chain_hash(GENESIS_HASH, canonical) == expected
    assert GENESIS_HASH == "0" * 64


def test_every_envelope_field_is_covered_by_the_hash():
    base = chain_hash(GENESIS_HASH, _canonical())
    for field, value in [
        ("trace_id", "trace-x"),
        ("tenant_id", "t2"),
        ("agent_id", "bot"),
        ("evidence", {"k": 1}),
        ("intent_id", "other"),
    ]:
        assert chain_hash(GENESIS_HASH, _canonical(**{field: value})) != base, field


def test_payloads_are_normalised_by_a_json_round_trip():
    assert normalize_json({"t": (1, 2), "n": None, "d": WHEN}) == {
        "t": [1, 2],
        "n": None,
        "d": "2025-01-15 10:00:00+00:00",
    }


def test_nul_is_escaped_in_values_and_keys():
    assert normalize_json({"a\x00": ["x\x00y"]}) == {"a\\u0000": ["x\\u0000y"]}


def test_nan_is_refused():
    with pytest.raises(ValueError):
        normalize_json({"x": float("nan")})
