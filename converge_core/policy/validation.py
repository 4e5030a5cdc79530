"""Validation of a merged policy document (risk-policy §3.6 plus the monotonicity rules).

Every rule is checked and every problem is returned, so one save or load reports the whole
list instead of making the user fix the file one error at a time. ``PolicyError`` carries the
joined message and the list.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping
from itertools import pairwise
from typing import Any, TypeGuard

from converge_core.errors import InvalidInput
from converge_core.policy.defaults import (
    DEFAULT_BATCH,
    DEFAULT_OVERRIDE_KEY,
    DEFAULT_QUEUE,
    DEFAULT_RISK,
    FLAKY_RETRIES_KEY,
    LEVELS,
    MISSING_CHECKS_MODES,
    ORIGINS,
    PROFILE_KEYS,
    RISK_LIMIT_KEYS,
    RISK_MODES,
    SCORING_VERSIONS,
    SECURITY_KEYS,
)
from converge_core.policy.merge import apply_patches, override_patches
from converge_core.queuetime import parse_freezes


class PolicyError(InvalidInput):
    """An invalid policy document; ``problems`` lists every rule it breaks."""

    def __init__(self, problems: list[str], *, source: str | None = None) -> None:
        joined = "; ".join(problems)
        message = f"{source}: {joined}" if source else joined
        super().__init__(message, problems=list(problems), source=source)
        self.problems = list(problems)


def is_number(value: object) -> TypeGuard[float]:
    """A finite int or float; JSON booleans are not numbers here."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _choices(options: tuple[Any, ...]) -> str:
    return ", ".join(repr(option) for option in options)


def _range_problem(name: str, value: object, low: float, high: float | None) -> str | None:
    if not is_number(value):
        return f"{name} must be a number, got {value!r}"
    if high is None:
        return None if value >= low else f"{name} must be >= {low:g}, got {value!r}"
    inside = low <= value <= high
    return None if inside else f"{name} must be in [{low:g}, {high:g}], got {value!r}"


def _count_problem(name: str, value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return f"{name} must be an integer >= 0, got {value!r}"
    return None


def _is_name_list(value: object) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) and item for item in value)


def _profile_key_problem(key: str, value: object) -> list[str]:
    if key not in PROFILE_KEYS:
        return [f"unknown key {key!r}"]
    if key in ("entropy_budget", "blast_limit"):
        found = _range_problem(key, value, 0, None)
    elif key == "containment_min":
        found = _range_problem(key, value, 0, 1)
    elif key in ("coherence_pass", "coherence_warn"):
        found = _range_problem(key, value, 0, 100)
    elif key == "checks":
        bad = not _is_name_list(value)
        found = f"checks must be a list of check names, got {value!r}" if bad else None
    elif key == "batch":
        bad = not isinstance(value, bool)
        found = f"batch must be true or false, got {value!r}" if bad else None
    else:
        return _security_problems(value)
    return [found] if found else []


def _security_problems(value: object) -> list[str]:
    if not isinstance(value, Mapping):
        return [f"security must be an object, got {value!r}"]
    problems = [f"unknown key 'security.{key}'" for key in value if key not in SECURITY_KEYS]
    for key in SECURITY_KEYS:
        if key in value:
            found = _count_problem(f"security.{key}", value[key])
            problems.extend([found] if found else [])
    return problems


def _profile_problems(label: str, profile: Mapping[str, Any]) -> list[str]:
    """Type and range problems of a (possibly partial) profile, each prefixed by ``label``."""
    problems = [
        f"{label}: {found}"
        for key, value in profile.items()
        for found in _profile_key_problem(key, value)
    ]
    return problems + _pair_problems(label, profile)


def _pair_problems(label: str, profile: Mapping[str, Any]) -> list[str]:
    warn, passing = profile.get("coherence_warn"), profile.get("coherence_pass")
    if is_number(warn) and is_number(passing) and warn > passing:
        return [f"{label}: coherence_warn must be <= coherence_pass, got {warn!r} > {passing!r}"]
    return []


# Each limit with the direction it may move in from low to critical: -1 = must not increase,
# +1 = must not decrease. A stricter level may only tighten a limit.
_MONOTONIC: tuple[tuple[str, int], ...] = (
    ("entropy_budget", -1),
    ("containment_min", 1),
    ("blast_limit", -1),
    ("coherence_pass", 1),
    ("coherence_warn", 1),
    ("security.max_critical", -1),
    ("security.max_high", -1),
)


def _read(profile: Mapping[str, Any], name: str) -> Any:
    value: Any = profile
    for part in name.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _is_valid(name: str, value: object) -> bool:
    # A value already reported as invalid is not compared again across levels.
    if name.startswith("security."):
        return _count_problem(name, value) is None
    return not _profile_key_problem(name, value)


def _monotonic_problems(profiles: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Problems where a stricter level is looser than the level below it."""
    problems: list[str] = []
    for lower, upper in pairwise(LEVELS):
        below, above = profiles[lower], profiles[upper]
        for name, direction in _MONOTONIC:
            before, after = _read(below, name), _read(above, name)
            if not (_is_valid(name, before) and _is_valid(name, after)):
                continue
            if direction < 0 and after > before:
                problems.append(
                    f"Profile '{upper}': {name} must be <= {before!r} (the '{lower}' value), "
                    f"got {after!r}"
                )
            if direction > 0 and after < before:
                problems.append(
                    f"Profile '{upper}': {name} must be >= {before!r} (the '{lower}' value), "
                    f"got {after!r}"
                )
        checks_below, checks_above = below.get("checks"), above.get("checks")
        if _is_name_list(checks_below) and _is_name_list(checks_above):
            missing = [name for name in checks_below if name not in checks_above]
            if missing:
                problems.append(
                    f"Profile '{upper}': checks must include every check of '{lower}', "
                    f"missing {missing}"
                )
    return problems


def validate_profiles(profiles: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Per-profile rules for every level, then monotonicity across levels."""
    problems: list[str] = []
    for level in LEVELS:
        problems.extend(_profile_problems(f"Profile '{level}'", profiles[level]))
    return problems + _monotonic_problems(profiles)


def _unknown_keys(section: str, value: Mapping[str, Any], known: Mapping[str, Any]) -> list[str]:
    return [f"{section}: unknown key {key!r}" for key in value if key not in known]


def _queue_problems(queue: Mapping[str, Any]) -> list[str]:
    problems = _unknown_keys("queue", queue, DEFAULT_QUEUE)
    found = _count_problem("queue.max_retries", queue["max_retries"])
    problems.extend([found] if found else [])
    target = queue["default_target"]
    if not isinstance(target, str) or not target:
        problems.append(f"queue.default_target must be a non-empty string, got {target!r}")
    found = _range_problem("queue.aging_minutes", queue["aging_minutes"], 0, None)
    problems.extend([found] if found else [])
    problems += _batch_problems(queue["batch"])
    return problems + parse_freezes(queue["freezes"])[1]


def _batch_problems(batch: object) -> list[str]:
    if not isinstance(batch, Mapping):
        return [f"queue.batch must be an object, got {batch!r}"]
    problems = _unknown_keys("queue.batch", batch, DEFAULT_BATCH)
    sizes = {}
    for key in ("size", "min_size", "max_size"):
        value = batch[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.append(f"queue.batch.{key} must be an integer >= 1, got {value!r}")
        else:
            sizes[key] = value
    if len(sizes) == 3 and not sizes["min_size"] <= sizes["size"] <= sizes["max_size"]:
        problems.append(
            f"queue.batch: min_size <= size <= max_size is required, got {sizes['min_size']}, "
            f"{sizes['size']}, {sizes['max_size']}"
        )
    if not isinstance(batch["adaptive"], bool):
        problems.append(f"queue.batch.adaptive must be true or false, got {batch['adaptive']!r}")
    return problems


def _classification_problems(thresholds: object) -> list[str]:
    if not isinstance(thresholds, Mapping):
        return [f"risk.classification must be an object, got {thresholds!r}"]
    problems = [
        f"risk.classification: unknown key {key!r}" for key in thresholds if key not in LEVELS
    ]
    for level in LEVELS:
        found = _range_problem(f"risk.classification.{level}", thresholds[level], 0, 100)
        problems.extend([found] if found else [])
    values = [thresholds[level] for level in LEVELS]
    if not problems and any(a >= b for a, b in pairwise(values)):
        problems.append(
            f"risk.classification must increase strictly from low to critical, got {values}"
        )
    return problems


def _risk_problems(risk: Mapping[str, Any]) -> list[str]:
    problems = _unknown_keys("risk", risk, DEFAULT_RISK)
    for key in RISK_LIMIT_KEYS:
        found = _range_problem(f"risk.{key}", risk[key], 0, 100)
        problems.extend([found] if found else [])
    if risk["mode"] not in RISK_MODES:
        problems.append(f"risk.mode must be one of {_choices(RISK_MODES)}, got {risk['mode']!r}")
    found = _range_problem("risk.enforce_ratio", risk["enforce_ratio"], 0, 1)
    problems.extend([found] if found else [])
    version = risk["scoring_version"]
    if isinstance(version, bool) or version not in SCORING_VERSIONS:
        problems.append(
            f"risk.scoring_version must be one of {_choices(SCORING_VERSIONS)}, got {version!r}"
        )
    if not isinstance(risk["allow_downgrade"], bool):
        problems.append(
            f"risk.allow_downgrade must be true or false, got {risk['allow_downgrade']!r}"
        )
    return problems + _classification_problems(risk["classification"])


def check_command_argv(name: str, command: object) -> tuple[str, ...]:
    """The argument vector of a configured check command (a list, or a shlex-split string)."""
    if isinstance(command, str):
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise InvalidInput(f"checks.{name}: cannot split command: {exc}") from exc
    elif _is_name_list(command):
        argv = list(command)
    else:
        argv = []
    if not argv:
        raise InvalidInput(
            f"checks.{name} must be a non-empty argument list or command string, got {command!r}"
        )
    return tuple(argv)


def _checks_problems(checks: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for name, command in checks.items():
        if name == FLAKY_RETRIES_KEY:
            found = _count_problem(f"checks.{FLAKY_RETRIES_KEY}", command)
            problems.extend([found] if found else [])
            continue
        if not name:
            problems.append("checks: check names must be non-empty")
            continue
        try:
            check_command_argv(name, command)
        except InvalidInput as exc:
            problems.append(exc.message)
    return problems


def _override_problems(
    overrides: Mapping[str, Any], profiles: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    problems: list[str] = []
    allowed = (*LEVELS, DEFAULT_OVERRIDE_KEY)
    for origin, rules in overrides.items():
        if origin not in ORIGINS:
            problems.append(
                f"origin_overrides: unknown origin {origin!r} (expected one of {_choices(ORIGINS)})"
            )
            continue
        if not isinstance(rules, Mapping):
            problems.append(f"origin_overrides.{origin} must be an object, got {rules!r}")
            continue
        found_here: list[str] = []
        for key, patch in rules.items():
            if key not in allowed:
                found_here.append(
                    f"origin_overrides.{origin}: unknown key {key!r} "
                    f"(expected a level or '{DEFAULT_OVERRIDE_KEY}')"
                )
            elif not isinstance(patch, Mapping):
                found_here.append(f"Override '{origin}/{key}' must be an object, got {patch!r}")
            else:
                found_here.extend(
                    f"Override '{origin}/{key}': {found}"
                    for name, value in patch.items()
                    for found in _profile_key_problem(name, value)
                )
        if not found_here:
            # Patches can be valid alone and still combine into warn > pass at some level; a
            # base profile already broken that way is reported once, as itself.
            found_here = [
                problem
                for level in LEVELS
                if not _pair_problems(level, profiles[level])
                for problem in _pair_problems(
                    f"Profile '{level}/{origin}'",
                    apply_patches(profiles[level], override_patches(rules, level)),
                )
            ]
        problems.extend(found_here)
    return problems


def validate_document(document: Mapping[str, Any]) -> list[str]:
    """Every problem of a merged document (all known sections present); empty when valid.

    Monotonicity is checked on the base profiles only: an origin override deliberately
    tightens chosen levels for one origin (say, extra checks for agents at ``medium``).
    """
    profiles = document["profiles"]
    problems = validate_profiles(profiles)
    problems += _queue_problems(document["queue"])
    problems += _risk_problems(document["risk"])
    problems += _checks_problems(document["checks"])
    mode = document["missing_checks"]
    if mode not in MISSING_CHECKS_MODES:
        problems.append(
            f"missing_checks must be one of {_choices(MISSING_CHECKS_MODES)}, got {mode!r}"
        )
    return problems + _override_problems(document["origin_overrides"], profiles)
