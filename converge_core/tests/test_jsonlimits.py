"""Bounded JSON reading: size and nesting limits shared by the API and the CLI."""

import io
import json
import time

import pytest

from converge_core.jsonlimits import (
    PayloadTooLarge,
    TooDeep,
    loads_bounded,
    nesting_depth,
    read_bounded,
)


def test_depth_counts_structure_not_brackets_inside_strings():
    assert nesting_depth('"x"') == 0
    assert nesting_depth("[]") == 1
    assert nesting_depth('{"a": "[[[[{{", "b": ["\\"[[", {}]}') == 3


def test_the_limit_is_exact():
    assert loads_bounded("[" * 32 + "]" * 32) == json.loads("[" * 32 + "]" * 32)
    with pytest.raises(TooDeep, match="^JSON nested deeper than 32 levels$"):
        loads_bounded("[" * 33 + "]" * 33)
    # strings full of brackets are shallow
    assert loads_bounded(json.dumps({"a": "[" * 1000})) == {"a": "[" * 1000}


@pytest.mark.parametrize("depth", [900, 5000, 500_000])
def test_any_depth_is_refused_without_exhausting_the_stack(depth):
    with pytest.raises(TooDeep):
        loads_bounded("[" * depth + "]" * depth)


def test_strict_json_only():
    for text in ("NaN", "[Infinity]", "{'a': 1}", "[1,]", ""):
        with pytest.raises(ValueError):
            loads_bounded(text)


def test_broken_text_full_of_quotes_is_refused_in_linear_time():
    # An unterminated string of escaped quotes made a naive string pattern quadratic.
    text = "[" * 40 + '"' + '\\"' * 300_000
    started = time.perf_counter()
    with pytest.raises(ValueError):
        loads_bounded(text)
    assert time.perf_counter() - started < 1.0


def test_reading_stops_one_byte_past_the_limit():
    assert read_bounded(io.BytesIO(b"x" * 10), 10) == b"x" * 10
    stream = io.BytesIO(b"x" * 100)
    with pytest.raises(PayloadTooLarge) as caught:
        read_bounded(stream, 10)
    assert stream.tell() == 11
    assert caught.value.as_dict() == {
        "error": {"code": "http_413", "message": "Payload too large", "limit": 10}
    }
    assert (caught.value.http_status, caught.value.exit_code) == (413, 2)
