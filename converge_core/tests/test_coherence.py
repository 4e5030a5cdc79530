"""The coherence harness's pure parts: assertions, refusals, score, verdict, cross-check."""

from __future__ import annotations

import pytest

from converge_core import coherence as core
from converge_core.errors import InvalidInput


@pytest.mark.parametrize(
    ("assertion", "result", "baseline", "holds"),
    [
        ("result >= baseline", 5, 4, True),
        ("result >= baseline", 3, 4, False),
        ("result >= baseline", 3, None, True),  # no baseline yet: passes
        ("result == 0", 0, None, True),
        ("result <= 20", 21, None, False),
        ("result > 1 AND result < 5", 3, None, True),
        ("result > 1 and result < 5", 7, None, False),
        ("result == 1 OR result == 7", 7, None, True),
        ("result ~ 3", 3, None, False),  # no operator: fails
        ("result >= bogus", 3, None, True),  # unresolvable token: passes
    ],
)
def test_assertions_are_parsed_not_evaluated(assertion, result, baseline, holds):
    assert core.assertion_holds(assertion, result, baseline) is holds


@pytest.mark.parametrize(
    "check", ["ls; rm -rf /", "a && b", "a || b", "echo $(id)", "echo `id`", "ls > x", "a\nb"]
)
def test_chaining_substitution_and_redirection_are_refused(check):
    assert core.command_refusal(check) is not None


def test_pipes_and_the_template_checks_are_allowed():
    assert core.command_refusal("find tests -name 'test_*.py' | wc -l") is None
    assert all(core.command_refusal(q["check"]) is None for q in core.DEFAULT_QUESTIONS)


def test_an_unknown_severity_is_refused_when_loading():
    with pytest.raises(InvalidInput, match="severity must be one of"):
        core.parse_harness(
            {
                "questions": [
                    {"id": "q", "question": "?", "check": "x", "assertion": "x", "severity": "low"}
                ]
            }
        )


def _result(severity: str, verdict: str, qid: str = "q") -> core.QuestionResult:
    return core.QuestionResult(qid, "?", verdict, 1.0, None, "result >= 0", severity)


def test_score_is_100_minus_the_weights_of_failed_questions():
    results = [_result("critical", "fail"), _result("medium", "fail"), _result("high", "pass")]
    assert core.coherence_score(results) == 60.0


def test_the_verdict_uses_the_profile_thresholds_the_gate_uses():
    results = [_result("critical", "fail"), _result("medium", "pass")]  # 70
    assert core.evaluation_of(results, harness_version="1").verdict == core.WARN
    critical = core.evaluation_of(
        results, harness_version="1", pass_threshold=85, warn_threshold=70
    )
    assert critical.verdict == core.WARN
    stricter = core.evaluation_of(
        [_result("critical", "fail"), _result("medium", "fail")],  # 60
        harness_version="1",
        pass_threshold=85,
        warn_threshold=70,
    )
    assert stricter.verdict == core.FAIL


def test_an_inconsistency_lowers_the_verdict_one_step():
    results = [_result("high", "pass")]
    evaluation = core.evaluation_of(
        results, harness_version="1", risk={"risk_score": 60, "bombs": [{"type": "cascade"}]}
    )
    assert evaluation.inconsistencies == ("score_mismatch", "bomb_undetected")
    assert evaluation.verdict == core.WARN


def test_no_questions_score_100_and_pass_without_cross_check():
    evaluation = core.evaluation_of([], harness_version="none", risk={"risk_score": 99})
    assert (evaluation.coherence_score, evaluation.verdict) == (100.0, core.PASS)
    assert evaluation.inconsistencies == ()
