"""Intake control: modes, the automatic mode and the admission rule of each mode.

``auto`` is not a stored mode: without an override the mode is computed from the worse of the
health bands (below 30 pause, below 60 throttle) and the verification-debt bands (above 70
pause, from 30 throttle) (decisions §21). Throttle admits a deterministic fraction of intent ids:
the rollout bucket of the id (decisions §26: divided by 2**32) below the throttle ratio.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from converge_core.errors import InvalidInput


class IntakeMode(StrEnum):
    OPEN = "open"
    THROTTLE = "throttle"
    PAUSE = "pause"


AUTO = "auto"
SETTABLE_MODES = (*(str(mode) for mode in IntakeMode), AUTO)
_SEVERITY = {IntakeMode.OPEN: 0, IntakeMode.THROTTLE: 1, IntakeMode.PAUSE: 2}


@dataclass(frozen=True)
class IntakeConfig:
    """The ``intake`` section of ``policy.json`` (every key optional)."""

    pause_below_health: float = 30.0
    throttle_below_health: float = 60.0
    pause_above_debt: float = 70.0
    throttle_from_debt: float = 30.0
    throttle_ratio: float = 0.5

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def intake_config(section: Any) -> IntakeConfig:
    """Validate the policy file's ``intake`` section (``None`` = the defaults)."""
    if section is None:
        return IntakeConfig()
    if not isinstance(section, Mapping):
        raise InvalidInput("policy intake: expected an object")
    known = IntakeConfig.__dataclass_fields__
    unknown = sorted(set(section) - set(known))
    if unknown:
        raise InvalidInput(f"policy intake: unknown key(s) {', '.join(unknown)}")
    values: dict[str, float] = {}
    for key, value in section.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(f"policy intake.{key}: expected a number")
        upper = 1.0 if key == "throttle_ratio" else 100.0
        if not 0 <= value <= upper:
            raise InvalidInput(f"policy intake.{key}: must be between 0 and {upper:g}")
        values[key] = float(value)
    config = IntakeConfig(**values)
    if config.pause_below_health > config.throttle_below_health:
        raise InvalidInput("policy intake: pause_below_health exceeds throttle_below_health")
    if config.throttle_from_debt > config.pause_above_debt:
        raise InvalidInput("policy intake: throttle_from_debt exceeds pause_above_debt")
    return config


def clean_mode(value: str) -> str:
    """A mode an operator may set: open, throttle, pause or auto."""
    if value not in SETTABLE_MODES:
        raise InvalidInput(f"Invalid mode: {value}. Use open/throttle/pause/auto.", field="mode")
    return value


def worse(*modes: IntakeMode) -> IntakeMode:
    return max(modes, key=lambda mode: _SEVERITY[mode])


def mode_for_health(health: float, config: IntakeConfig) -> IntakeMode:
    if health < config.pause_below_health:
        return IntakeMode.PAUSE
    if health < config.throttle_below_health:
        return IntakeMode.THROTTLE
    return IntakeMode.OPEN


def mode_for_debt(debt: float, config: IntakeConfig) -> IntakeMode:
    if debt > config.pause_above_debt:
        return IntakeMode.PAUSE
    if debt >= config.throttle_from_debt:
        return IntakeMode.THROTTLE
    return IntakeMode.OPEN


def auto_mode(health: float, debt: float | None, config: IntakeConfig) -> IntakeMode:
    """The computed mode; ``debt`` is ``None`` when verification debt is switched off."""
    by_health = mode_for_health(health, config)
    if debt is None:
        return by_health
    return worse(by_health, mode_for_debt(debt, config))


def rollout_bucket(intent_id: str) -> float:
    """The first 8 hex digits of SHA-256(id) as an integer, divided by 2**32: in [0, 1)."""
    return int(hashlib.sha256(intent_id.encode()).hexdigest()[:8], 16) / 2**32


@dataclass(frozen=True)
class Admission:
    accepted: bool
    reason: str
    signals: Mapping[str, Any]


def admit(mode: IntakeMode | str, *, intent_id: str, risk_level: str, ratio: float) -> Admission:
    """The admission rule of ``mode`` for one intent."""
    mode = IntakeMode(mode)
    if mode is IntakeMode.OPEN:
        return Admission(True, "open mode: accepting all intents", {})
    if mode is IntakeMode.THROTTLE:
        bucket = rollout_bucket(intent_id)
        signals = {"bucket": round(bucket, 4), "throttle_ratio": ratio}
        if bucket < ratio:
            return Admission(
                True, f"throttle mode: accepted (bucket={bucket:.4f} < ratio={ratio})", signals
            )
        return Admission(
            False, f"throttle mode: rejected (bucket={bucket:.4f} >= ratio={ratio})", signals
        )
    if risk_level == "critical":
        return Admission(True, "pause mode: critical-risk intent accepted", {})
    return Admission(
        False, f"pause mode: only critical-risk intents accepted (got {risk_level})", {}
    )


def effective_score(health: float, debt: float | None) -> float:
    """``min(health, 100 - debt)`` rounded to 1 dp (health alone without debt)."""
    if debt is None:
        return round(health, 1)
    return round(min(health, max(0.0, 100.0 - debt)), 1)
