"""Policy documents: lookup, loading, merging over the defaults, and ``PolicyConfig``.

Merge rules: each profile level is deep-merged over its default (a partial level keeps its
other keys, ``security`` merges key by key; risk-policy §3 note 1), ``queue`` and ``risk`` key
by key, ``checks`` and ``origin_overrides`` are taken as given, ``missing_checks`` replaced.
Unknown top-level sections (for example ``intake``, owned by another app) are kept unvalidated
in ``PolicyConfig.extra``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from converge_core.batching import BatchSettings
from converge_core.policy.defaults import FLAKY_RETRIES_KEY, LEVELS, default_document
from converge_core.policy.merge import deep_merge
from converge_core.policy.validation import PolicyError, check_command_argv, validate_document
from converge_core.queuetime import Freeze, parse_freezes

_MERGED_SECTIONS = ("queue", "risk")
_REPLACED_SECTIONS = ("checks", "origin_overrides")
_KNOWN_KEYS = ("profiles", *_MERGED_SECTIONS, *_REPLACED_SECTIONS, "missing_checks")


@dataclass(frozen=True)
class QueueSettings:
    max_retries: int
    default_target: str
    batch: BatchSettings = field(default_factory=BatchSettings)
    aging_minutes: float = 60
    freezes: tuple[Freeze, ...] = ()
    freeze_documents: tuple[Mapping[str, Any], ...] = ()  # ``freezes`` as written

    def to_document(self) -> dict[str, Any]:
        return {
            "max_retries": self.max_retries,
            "default_target": self.default_target,
            "batch": asdict(self.batch),
            "aging_minutes": self.aging_minutes,
            "freezes": [dict(document) for document in self.freeze_documents],
        }


@dataclass(frozen=True)
class RiskSettings:
    """The ``risk`` section: limits and rollout of the risk gate, scoring and classification."""

    max_risk_score: float
    max_damage_score: float
    max_propagation_score: float
    mode: str
    enforce_ratio: float
    scoring_version: int
    allow_downgrade: bool
    classification: Mapping[str, float]


@dataclass(frozen=True)
class PolicyConfig:
    """A validated policy: complete profiles for the four levels and every section.

    Treat the mappings as read-only; use ``to_document`` for an editable copy.
    """

    profiles: Mapping[str, Mapping[str, Any]]
    queue: QueueSettings
    risk: RiskSettings
    checks: Mapping[str, tuple[str, ...]]
    missing_checks: str
    origin_overrides: Mapping[str, Mapping[str, Mapping[str, Any]]]
    flaky_retries: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None

    def check_command(self, name: str) -> tuple[str, ...] | None:
        """The argument vector configured for check ``name``; ``None`` = not configured."""
        return self.checks.get(name)

    def to_document(self) -> dict[str, Any]:
        """The full policy as a JSON-ready document (loading it gives an equal config)."""
        return json.loads(
            json.dumps(
                {
                    **self.extra,
                    "profiles": self.profiles,
                    "queue": self.queue.to_document(),
                    "risk": asdict(self.risk),
                    "checks": self._checks_document(),
                    "missing_checks": self.missing_checks,
                    "origin_overrides": self.origin_overrides,
                }
            )
        )

    def _checks_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {name: list(argv) for name, argv in self.checks.items()}
        if self.flaky_retries:
            document[FLAKY_RETRIES_KEY] = self.flaky_retries
        return document


def merge_document(document: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``document`` merged over the defaults, and the structural problems met on the way.

    A section of the wrong type is reported and left at its default, so validation of the
    merged result does not repeat the same problem.
    """
    merged = default_document()
    problems: list[str] = []
    profiles = document.get("profiles", {})
    if isinstance(profiles, Mapping):
        for level, patch in profiles.items():
            if level not in LEVELS:
                problems.append(
                    f"profiles: unknown level {level!r} (expected one of {', '.join(LEVELS)})"
                )
            elif not isinstance(patch, Mapping):
                problems.append(f"Profile {level!r} must be an object, got {patch!r}")
            else:
                merged["profiles"][level] = deep_merge(merged["profiles"][level], patch)
    else:
        problems.append(f"profiles must be an object, got {profiles!r}")
    for section in (*_MERGED_SECTIONS, *_REPLACED_SECTIONS):
        value = document.get(section, {})
        if not isinstance(value, Mapping):
            problems.append(f"{section} must be an object, got {value!r}")
        elif section in _MERGED_SECTIONS:
            merged[section] = deep_merge(merged[section], value)
        else:
            merged[section] = deep_merge({}, value)
    if "missing_checks" in document:
        merged["missing_checks"] = document["missing_checks"]
    merged.update({key: value for key, value in document.items() if key not in _KNOWN_KEYS})
    return merged, problems


def _merge_and_validate(document: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    if not isinstance(document, Mapping):
        return {}, [f"a policy document must be a JSON object, got {type(document).__name__}"]
    merged, problems = merge_document(document)
    return merged, problems + validate_document(merged)


def policy_problems(document: Mapping[str, Any]) -> list[str]:
    """Every problem of a policy document as stored or uploaded; empty when it is valid."""
    return _merge_and_validate(document)[1]


def policy_from_document(document: Mapping[str, Any], *, source: str | None = None) -> PolicyConfig:
    """A ``PolicyConfig`` from a (partial) policy document, or ``PolicyError`` listing every
    problem; ``source`` (a path, ``tenant acme`` ...) prefixes the message."""
    merged, problems = _merge_and_validate(document)
    if problems:
        raise PolicyError(problems, source=source)
    risk = dict(merged["risk"])
    risk["classification"] = {k: float(v) for k, v in risk["classification"].items()}
    queue = merged["queue"]
    checks = dict(merged["checks"])
    flaky_retries = checks.pop(FLAKY_RETRIES_KEY, 0)
    return PolicyConfig(
        profiles=merged["profiles"],
        queue=QueueSettings(
            max_retries=queue["max_retries"],
            default_target=queue["default_target"],
            batch=BatchSettings(**queue["batch"]),
            aging_minutes=queue["aging_minutes"],
            freezes=tuple(parse_freezes(queue["freezes"])[0]),
            freeze_documents=tuple(queue["freezes"]),
        ),
        risk=RiskSettings(**risk),
        checks={name: check_command_argv(name, cmd) for name, cmd in checks.items()},
        flaky_retries=flaky_retries,
        missing_checks=merged["missing_checks"],
        origin_overrides=merged["origin_overrides"],
        extra={key: value for key, value in merged.items() if key not in _KNOWN_KEYS},
        source=source,
    )


def default_policy() -> PolicyConfig:
    """The built-in defaults as a ``PolicyConfig``."""
    return policy_from_document({})


def find_policy_file(
    explicit: Path | str | None,
    env_path: Path | str | None,
    home: Path | str | None,
    *,
    cwd: Path | None = None,
) -> Path | None:
    """Which policy file applies (decisions §13), or ``None`` for the built-in defaults.

    Order: ``--policy`` > ``CONVERGE_POLICY_PATH`` > ``$CONVERGE_HOME/policy.json`` >
    ``./policy.json``. Files are not layered. A path the user named explicitly must exist;
    empty strings (a shell-dropped variable) count as unset.
    """
    for named in (explicit, env_path):
        if named:
            path = Path(named)
            if not path.is_file():
                raise PolicyError([f"policy file not found: {path}"])
            return path
    candidates = [Path(home) / "policy.json"] if home else []
    candidates.append((cwd or Path.cwd()) / "policy.json")
    return next((path for path in candidates if path.is_file()), None)


def load_policy_file(path: Path) -> dict[str, Any]:
    """The raw document stored at ``path``; unreadable or non-JSON files raise ``PolicyError``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError([f"cannot read policy file: {exc}"], source=str(path)) from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(
            [f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"], source=str(path)
        ) from exc
    if not isinstance(document, dict):
        raise PolicyError(
            [f"a policy document must be a JSON object, got {type(document).__name__}"],
            source=str(path),
        )
    return document


def load_policy(path: Path | None) -> PolicyConfig:
    """The policy stored at ``path`` merged over the defaults; ``None`` = the defaults."""
    if path is None:
        return default_policy()
    return policy_from_document(load_policy_file(path), source=str(path))
