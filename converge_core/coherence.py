"""The coherence harness's pure parts (operations §6): questions, assertions, score, verdict
and the cross-check against the risk evaluation.

A question's ``check`` is a shell command whose last non-empty output line is its value, or
a built-in (``builtin:<name>``) computed by Converge. An ``assertion`` compares ``result``
and ``baseline`` (or numbers) with one of ``>= <= == != > <``, clauses joined by ``AND`` or
``OR`` (not mixed); it is parsed, never evaluated as code.

The verdict uses the same thresholds as the policy gate of the intent's profile
(operations §6.7 note 1), so a score the gate blocks is never a mere warning; without a
profile (``coherence run``) the defaults 75/60 apply. Unknown severities are refused when the
harness is loaded (note 2) instead of costing more than ``medium``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from converge_core.errors import InvalidInput

SEVERITY_WEIGHTS: Mapping[str, int] = {"critical": 30, "high": 20, "medium": 10}
CATEGORIES: tuple[str, ...] = ("structural", "semantic", "health")
DEFAULT_PASS, DEFAULT_WARN = 75.0, 60.0
PASS, WARN, FAIL = "pass", "warn", "fail"
NO_HARNESS = "none"
BUILTIN_PREFIX = "builtin:"
BUILTINS: tuple[str, ...] = ("test_ratio", "files_changed")
# Command fragments refused before anything runs: chaining, substitution and redirection
# (note 4: the commands come from repository content). Pipes stay allowed.
FORBIDDEN = (";", "&&", "||", "$(", "`", "|&", "\n", "\r", ">", "<")
OPERATORS = (">=", "<=", "==", "!=", ">", "<")
ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,100}$")

DEFAULT_QUESTIONS: tuple[dict[str, Any], ...] = (
    {
        "id": "q-test-count",
        "question": "Has the test file count decreased?",
        "check": "find tests -type f -name 'test_*.py' | wc -l",
        "assertion": "result >= baseline",
        "severity": "high",
        "category": "structural",
        "enabled": True,
    },
    {
        "id": "q-no-fixme-growth",
        "question": "Has the TODO/FIXME count increased?",
        "check": "grep -rE 'TODO|FIXME' --include=*.py src | wc -l",
        "assertion": "result <= baseline",
        "severity": "medium",
        "category": "structural",
        "enabled": True,
    },
    {
        "id": "q-no-large-files",
        "question": "Were files larger than 1MB added to source?",
        "check": "find src -type f -size +1M | wc -l",
        "assertion": "result == 0",
        "severity": "high",
        "category": "structural",
        "enabled": True,
    },
    {
        "id": "q-src-file-count",
        "question": "Is the source file count stable?",
        "check": "find src -type f -name '*.py' | wc -l",
        "assertion": "result >= baseline",
        "severity": "medium",
        "category": "structural",
        "enabled": False,
    },
    {
        "id": "q-test-ratio",
        "question": "Is the test-to-source ratio adequate?",
        "check": "builtin:test_ratio",
        "assertion": "result >= baseline",
        "severity": "medium",
        "category": "structural",
        "enabled": False,
    },
)
TEMPLATE_VERSION = "1.1.0"


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    check: str
    assertion: str
    severity: str = "high"
    category: str = "structural"
    enabled: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "check": self.check,
            "assertion": self.assertion,
            "severity": self.severity,
            "category": self.category,
            "enabled": self.enabled,
        }


@dataclass(frozen=True)
class Harness:
    version: str
    questions: tuple[Question, ...] = ()

    @property
    def enabled(self) -> tuple[Question, ...]:
        return tuple(question for question in self.questions if question.enabled)


def _text(entry: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: {key} must be a non-empty string", field=key)
    return value


def parse_question(entry: Any, where: str = "question") -> Question:
    """One question of the harness file, checked (unknown severity or category refused)."""
    if not isinstance(entry, Mapping):
        raise InvalidInput(f"{where}: must be an object", field="questions")
    question_id = _text(entry, "id", where)
    if not ID_PATTERN.match(question_id):
        raise InvalidInput(f"{where}: id {question_id!r} must match {ID_PATTERN.pattern}")
    where = f"question {question_id!r}"
    severity = _text(entry, "severity", where, "high")
    if severity not in SEVERITY_WEIGHTS:
        raise InvalidInput(
            f"{where}: severity must be one of {', '.join(SEVERITY_WEIGHTS)}, got {severity!r}",
            field="severity",
        )
    category = _text(entry, "category", where, "structural")
    if category not in CATEGORIES:
        raise InvalidInput(
            f"{where}: category must be one of {', '.join(CATEGORIES)}, got {category!r}",
            field="category",
        )
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise InvalidInput(f"{where}: enabled must be true or false", field="enabled")
    return Question(
        id=question_id,
        question=_text(entry, "question", where),
        check=_text(entry, "check", where),
        assertion=_text(entry, "assertion", where),
        severity=severity,
        category=category,
        enabled=enabled,
    )


def parse_harness(document: Any) -> Harness:
    """The harness file's document; a file without ``version`` is version ``unknown``."""
    if not isinstance(document, Mapping):
        raise InvalidInput("the coherence harness must be a JSON object")
    questions = document.get("questions", [])
    if not isinstance(questions, list):
        raise InvalidInput("questions must be a list", field="questions")
    parsed = tuple(parse_question(entry, f"questions[{n}]") for n, entry in enumerate(questions))
    ids = [question.id for question in parsed]
    duplicates = sorted({qid for qid in ids if ids.count(qid) > 1})
    if duplicates:
        raise InvalidInput(f"duplicate question ids: {duplicates}", field="questions")
    version = document.get("version", "unknown")
    return Harness(version=str(version), questions=parsed)


def command_refusal(check: str) -> str | None:
    """Why a shell check is refused before it runs (``None``: it may run)."""
    for fragment in FORBIDDEN:
        if fragment in check:
            shown = fragment.encode("unicode_escape").decode()
            return f"Check rejected: contains forbidden fragment {shown!r}"
    return None


def builtin_name(check: str) -> str | None:
    if not check.startswith(BUILTIN_PREFIX):
        return None
    name = check.removeprefix(BUILTIN_PREFIX)
    if name not in BUILTINS:
        raise InvalidInput(f"Unknown built-in check {name!r}: use {', '.join(BUILTINS)}")
    return name


def parse_value(output: str) -> float:
    """The last non-empty output line as a number (no output: 0.0)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if not lines:
        return 0.0
    try:
        return float(lines[-1])
    except ValueError:
        raise InvalidInput(f"Output is not a number: {lines[-1][:100]!r}") from None


def _operand(token: str, result: float, baseline: float | None) -> float | None:
    token = token.strip().lower()
    if token == "result":
        return result
    if token == "baseline":
        return baseline
    try:
        return float(token)
    except ValueError:
        return None


def _clause(clause: str, result: float, baseline: float | None) -> bool:
    for operator in OPERATORS:
        if operator in clause:
            left, right = clause.split(operator, 1)
            a, b = _operand(left, result, baseline), _operand(right, result, baseline)
            if a is None or b is None:
                return True  # an unresolvable token passes (operations §6.2 step 5)
            return {
                ">=": a >= b,
                "<=": a <= b,
                "==": a == b,
                "!=": a != b,
                ">": a > b,
                "<": a < b,
            }[operator]
    return False  # no operator: fails


def assertion_holds(assertion: str, result: float, baseline: float | None) -> bool:
    """``OR`` is checked first, then ``AND``; an assertion naming a baseline there is none
    of passes."""
    if baseline is None and "baseline" in assertion.lower():
        return True
    if re.search(r"\s+OR\s+", assertion, flags=re.IGNORECASE):
        parts = re.split(r"\s+OR\s+", assertion, flags=re.IGNORECASE)
        return any(_clause(part, result, baseline) for part in parts)
    parts = re.split(r"\s+AND\s+", assertion, flags=re.IGNORECASE)
    return all(_clause(part, result, baseline) for part in parts)


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    question: str
    verdict: str
    value: float
    baseline: float | None
    assertion: str
    severity: str
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "question": self.question,
            "verdict": self.verdict,
            "value": self.value,
            "baseline": self.baseline,
            "assertion": self.assertion,
            "error": self.error,
        }


def judge(
    question: Question, value: float | None, baseline: float | None, error: str | None
) -> QuestionResult:
    """A question's result from its value (``None`` with an error: the check failed)."""
    if error is not None or value is None:
        return QuestionResult(
            question.id,
            question.question,
            FAIL,
            0.0,
            baseline,
            question.assertion,
            question.severity,
            error or "no value",
        )
    verdict = PASS if assertion_holds(question.assertion, value, baseline) else FAIL
    return QuestionResult(
        question.id,
        question.question,
        verdict,
        value,
        baseline,
        question.assertion,
        question.severity,
    )


def coherence_score(results: Iterable[QuestionResult]) -> float:
    penalty = sum(SEVERITY_WEIGHTS[result.severity] for result in results if result.verdict != PASS)
    return float(max(0, min(100, 100 - penalty)))


def verdict_for(score: float, pass_threshold: float, warn_threshold: float) -> str:
    if score >= pass_threshold:
        return PASS
    if score >= warn_threshold:
        return WARN
    return FAIL


def cross_check(results: Sequence[QuestionResult], risk: Mapping[str, Any]) -> list[str]:
    """The inconsistencies between a coherence evaluation and the risk evaluation."""
    score = coherence_score(results)
    found = []
    if score > 75 and float(risk.get("risk_score") or 0) > 50:
        found.append("score_mismatch")
    if results and all(result.verdict == PASS for result in results) and risk.get("bombs"):
        found.append("bomb_undetected")
    if float(risk.get("propagation_score") or 0) > 40 and not any(
        result.question_id.startswith("q-scope") for result in results
    ):
        found.append("missing_scope_validation")
    return found


def downgrade(verdict: str) -> str:
    return {PASS: WARN, WARN: FAIL}.get(verdict, FAIL)


@dataclass(frozen=True)
class Evaluation:
    """``{coherence_score, verdict, results, harness_version, inconsistencies}`` plus the
    thresholds the verdict used."""

    coherence_score: float
    verdict: str
    harness_version: str
    pass_threshold: float
    warn_threshold: float
    results: tuple[QuestionResult, ...] = ()
    inconsistencies: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "coherence_score": self.coherence_score,
            "verdict": self.verdict,
            "results": [result.as_dict() for result in self.results],
            "harness_version": self.harness_version,
            "inconsistencies": list(self.inconsistencies),
            "thresholds": {"pass": self.pass_threshold, "warn": self.warn_threshold},
        }


def evaluation_of(
    results: Sequence[QuestionResult],
    *,
    harness_version: str,
    pass_threshold: float = DEFAULT_PASS,
    warn_threshold: float = DEFAULT_WARN,
    risk: Mapping[str, Any] | None = None,
) -> Evaluation:
    """Score, verdict and (with a risk evaluation and at least one question) the cross-check,
    each inconsistency lowering the verdict one step."""
    score = coherence_score(results)
    verdict = verdict_for(score, pass_threshold, warn_threshold)
    inconsistencies = cross_check(results, risk) if risk is not None and results else []
    if inconsistencies:
        verdict = downgrade(verdict)
    return Evaluation(
        coherence_score=score,
        verdict=verdict,
        harness_version=harness_version,
        pass_threshold=pass_threshold,
        warn_threshold=warn_threshold,
        results=tuple(results),
        inconsistencies=tuple(inconsistencies),
    )
