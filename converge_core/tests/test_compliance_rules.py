import pytest

from converge_core.compliance import (
    DEFAULT_THRESHOLDS,
    compliance_checks,
    effective_thresholds,
    validate_thresholds,
)
from converge_core.errors import InvalidInput


def test_only_canonical_thresholds_are_accepted_and_validated():
    assert validate_thresholds({"min_mergeable_rate": 0.9, "max_retries_total": 10.0}) == {
        "min_mergeable_rate": 0.9,
        "max_retries_total": 10,
    }
    assert validate_thresholds({"max_queue_tracked": 5, "max_conflict_rate": None}) == {
        "max_queue_tracked": 5
    }
    for bad, message in (
        ({"mergeable_rate": 0.9}, "Unknown threshold"),
        ({"max_retries": 3}, "Unknown threshold"),
        ({"min_mergeable_rate": 1.5}, "between 0 and 1"),
        ({"max_queue_tracked": 2.5}, "whole number"),
        ({"max_debt_score": 101}, "between 0 and 100"),
        ({"max_conflict_rate": True}, "must be a number"),
        ({}, "at least one"),
    ):
        with pytest.raises(InvalidInput, match=message):
            validate_thresholds(bad)


def test_checks_in_order_and_an_alert_per_failure():
    thresholds = effective_thresholds({"max_queue_tracked": 2})
    values = {
        "mergeable_rate": 0.75,
        "conflict_rate": 0.25,
        "retries_total": 3,
        "queue_tracked": 3,
        "debt_score": None,
    }
    checks, alerts = compliance_checks(values, thresholds)
    assert [(c["name"], c["passed"]) for c in checks] == [
        ("mergeable_rate", False),
        ("conflict_rate", False),
        ("retries_total", True),
        ("queue_tracked", False),
    ]
    assert checks[0] == {
        "name": "mergeable_rate",
        "value": 0.75,
        "threshold": 0.8,
        "op": ">=",
        "passed": False,
    }
    assert [a["alert"] for a in alerts] == [
        "SLO breach: mergeable_rate",
        "SLO breach: conflict_rate",
        "SLO breach: queue_tracked",
    ]
    assert effective_thresholds(None) == dict(DEFAULT_THRESHOLDS)
