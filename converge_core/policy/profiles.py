"""Profile resolution (risk level plus origin overrides) and the required-check list."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from converge_core.policy.config import PolicyConfig
from converge_core.policy.defaults import FALLBACK_LEVEL
from converge_core.policy.merge import apply_patches, override_patches


@dataclass(frozen=True)
class ResolvedProfile:
    """The thresholds that apply to one intent. ``origin`` is set only when an override of
    that origin was applied."""

    level: str
    origin: str | None
    entropy_budget: float
    containment_min: float
    blast_limit: float
    checks: tuple[str, ...]
    coherence_pass: float
    coherence_warn: float
    max_critical: int
    max_high: int
    batch: bool = True  # may be tested with other intents in a queue batch

    @property
    def profile_used(self) -> str:
        """``medium``, or ``medium/agent`` when the agent override shaped it (audit trail)."""
        return f"{self.level}/{self.origin}" if self.origin else self.level

    def as_dict(self) -> dict[str, Any]:
        """The profile in the ``policy.json`` shape, plus ``profile_used``."""
        return {
            "profile_used": self.profile_used,
            "entropy_budget": self.entropy_budget,
            "containment_min": self.containment_min,
            "blast_limit": self.blast_limit,
            "checks": list(self.checks),
            "coherence_pass": self.coherence_pass,
            "coherence_warn": self.coherence_warn,
            "security": {"max_critical": self.max_critical, "max_high": self.max_high},
        }


def resolve_profile(
    config: PolicyConfig,
    level: str | None,
    origin: str | None,
    *,
    origin_policy_enabled: bool = True,
) -> ResolvedProfile:
    """The profile of ``level`` (unknown → ``medium``) with ``origin``'s overrides layered on.

    ``_default`` is applied first and the level's own patch on top of it (risk-policy §3
    note 5); with the ``origin_policy`` flag off no override applies (note 6). Origins with no
    rules (``api``, ``demo``) get the plain level profile.
    """
    resolved_level = level if level is not None and level in config.profiles else FALLBACK_LEVEL
    patches = (
        override_patches(config.origin_overrides.get(origin), resolved_level)
        if origin_policy_enabled and origin
        else []
    )
    profile = apply_patches(config.profiles[resolved_level], patches)
    security = profile["security"]
    return ResolvedProfile(
        level=resolved_level,
        origin=origin if patches else None,
        entropy_budget=profile["entropy_budget"],
        containment_min=profile["containment_min"],
        blast_limit=profile["blast_limit"],
        checks=tuple(profile["checks"]),
        coherence_pass=profile["coherence_pass"],
        coherence_warn=profile["coherence_warn"],
        max_critical=security["max_critical"],
        max_high=security["max_high"],
        batch=bool(profile.get("batch", True)),
    )


def required_checks(profile: ResolvedProfile, checks_required: Iterable[str] = ()) -> list[str]:
    """The profile's checks followed by the intent's ``checks_required``, without repeats.

    Compute it once per validation and use the same list to choose which checks run and to
    gate on them (core §5 notes; risk-policy §3 notes 4 and 7).
    """
    return list(dict.fromkeys([*profile.checks, *checks_required]))
