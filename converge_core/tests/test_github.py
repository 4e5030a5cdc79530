"""The GitHub rules of the core: signatures, conclusions, truncation, labels, the summary."""

import pytest

from converge_core.github import (
    TRUNCATION_MARKER,
    Annotation,
    LabelRules,
    annotation_batches,
    check_state,
    commit_status_state,
    render_output,
    signature_is_valid,
    signature_of,
    truncate_body,
)


def test_signature_round_trip_and_refusals():
    body = b'{"zen": "Keep it logically awesome."}'
    header = signature_of("secret", body)

    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert signature_is_valid("secret", body, header)
    assert not signature_is_valid("other", body, header)
    assert not signature_is_valid("secret", body + b" ", header)
    assert not signature_is_valid("secret", body, None)
    assert not signature_is_valid("secret", body, header.removeprefix("sha256="))


@pytest.mark.parametrize(
    ("decision", "status", "conclusion"),
    [
        ("validated", "completed", "success"),
        ("merged", "completed", "success"),
        ("blocked", "completed", "failure"),
        ("rejected", "completed", "failure"),
        ("intake_rejected", "completed", "action_required"),
        ("pending", "in_progress", None),
        ("review_pending", "in_progress", None),
        ("dependency_blocked", "in_progress", None),
        ("merge_failed", "in_progress", None),
    ],
)
def test_conclusions_follow_decisions_23(decision, status, conclusion):
    assert check_state(decision).status == status
    assert check_state(decision).conclusion == conclusion
    assert check_state(decision).conclusion not in ("neutral", "skipped")


def test_commit_status_states():
    assert [commit_status_state(d) for d in ("validated", "blocked", "pending")] == [
        "success",
        "failure",
        "pending",
    ]


def test_a_long_body_is_truncated_with_a_marker():
    text = truncate_body("x" * 10_001)

    assert len(text) == 10_000 and text.endswith(TRUNCATION_MARKER)
    assert truncate_body("short") == "short"


def test_labels_set_risk_and_priority_and_unknown_values_are_ignored():
    rules = LabelRules()

    assert rules.apply(["Risk:High", "priority:2", "bug"]) == {"risk_level": "high", "priority": 2}
    assert rules.apply(["risk:extreme", "priority:9"]) == {}


def test_annotations_come_in_batches_of_fifty():
    annotations = [Annotation(path=f"f{n}", message="m") for n in range(120)]

    assert [len(batch) for batch in annotation_batches(annotations)] == [50, 50, 20]


def test_the_summary_explains_a_block():
    details = {
        "risk": {"risk_score": 42.25, "damage_score": 10.0},
        "policy": {
            "verdict": "BLOCK",
            "gates": [{"gate": "entropy", "passed": False, "reason": "7 > 6"}],
        },
        "simulation": {"conflicts": ["a.py", "b.py"]},
        "queue": {"position": 2, "waits_for": ["acme/w:pr-1"], "eta_seconds": 600},
    }

    output = render_output(
        check_name="Converge Risk Gate",
        intent_id="acme/w:pr-2",
        decision="blocked",
        reason="Policy blocked",
        details=details,
        trace_id="tr-1",
    )

    assert output.title == "Converge Risk Gate: Blocked"
    assert output.summary.splitlines()[:5] == [
        "**Intent:** `acme/w:pr-2`",
        "**Decision:** blocked",
        "**Risk score:** 42.2",
        "**Trace:** `tr-1`",
        "**Reason:** Policy blocked",
    ]
    assert "- `entropy`: **fail** — 7 > 6" in output.summary
    assert "- `a.py`" in output.summary
    assert "- position: 2" in output.summary and "about 10 min" in output.summary
    assert [a.path for a in output.annotations] == ["a.py", "b.py"]
