"""The start-up check of the ``CONVERGE_FF_*`` variables."""

from converge_core.flags import environment_problems


def test_valid_and_unrelated_variables_are_no_problem() -> None:
    environ = {
        "CONVERGE_FF_AUDIT_CHAIN": "off",
        "CONVERGE_FF_NOTIFICATIONS_MODE": "enforce",
        "CONVERGE_FF_NOT_A_FLAG": "whatever",
    }
    assert environment_problems(environ) == []


def test_each_bad_variable_is_named() -> None:
    problems = environment_problems(
        {"CONVERGE_FF_AUDIT_CHAIN": "maybe", "CONVERGE_FF_NOTIFICATIONS_MODE": "loud"}
    )
    assert problems == [
        "CONVERGE_FF_AUDIT_CHAIN='maybe' is not a boolean: use 1/true/yes/on or 0/false/no/off",
        "CONVERGE_FF_NOTIFICATIONS_MODE: invalid mode 'loud' for flag notifications "
        "(expected one of shadow, enforce)",
    ]
