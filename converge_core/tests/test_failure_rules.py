"""The back-off of an intent set aside after a processing failure, and what is recorded."""

import pytest

from converge_core.failures import MESSAGE_LIMIT, Failure, backoff_seconds


def test_the_back_off_starts_at_a_minute_and_doubles_up_to_an_hour():
    assert [backoff_seconds(n) for n in range(1, 9)] == [
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]
    assert backoff_seconds(10_000) == 3600


def test_a_failure_count_below_one_is_a_programming_error():
    with pytest.raises(ValueError, match="at least 1"):
        backoff_seconds(0)


def test_a_failure_names_the_stage_the_class_and_a_bounded_message():
    failure = Failure.of("queue", TypeError("'int' object is not iterable"))
    assert failure.as_payload() == {
        "stage": "queue",
        "error_class": "TypeError",
        "message": "'int' object is not iterable",
    }
    long = Failure.of("validate", ValueError("x" * 5000))
    assert len(long.message) == MESSAGE_LIMIT and long.message.endswith("…")
    assert Failure.of("validate", KeyError()).message == "KeyError()"  # no text: the repr


def test_failures_are_the_same_only_when_stage_class_and_message_agree():
    first = Failure.of("validate", TypeError("a"))
    assert first == Failure.of("validate", TypeError("a"))
    assert first != Failure.of("validate", TypeError("b"))
    assert first != Failure.of("queue", TypeError("a"))
    assert first != Failure.of("validate", ValueError("a"))
