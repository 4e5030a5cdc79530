"""Feature flags: the built-in table and the resolution order.

Resolution, highest first: runtime override (stored by the operator, source ``api``) >
environment (``CONVERGE_FF_<NAME>``, ``CONVERGE_FF_<NAME>_MODE``, source ``env``) > the flags
file (source ``config``) > the default. Every value is validated: an unparsable boolean or an
unknown mode is a configuration error naming where it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from converge_core.errors import InvalidInput
from converge_core.strictbool import parse_bool

SHADOW_ENFORCE = ("shadow", "enforce")
EMBEDDING_PROVIDERS = ("deterministic", "sentence-transformers")


@dataclass(frozen=True)
class FlagSpec:
    name: str
    enabled: bool
    description: str
    mode: str = ""
    modes: tuple[str, ...] = ()


FLAG_SPECS: tuple[FlagSpec, ...] = (
    FlagSpec("intent_links", True, "Commit-intent link tracking"),
    FlagSpec("archaeology_enhanced", True, "Enhanced git history analysis"),
    FlagSpec("intent_semantics", True, "Semantic embeddings"),
    FlagSpec("origin_policy", True, "Origin-type policy overrides"),
    FlagSpec("verification_debt", True, "Debt tracking"),
    FlagSpec("review_tasks", True, "Human review workflow"),
    FlagSpec("security_adapters", True, "Security scanner integration"),
    FlagSpec("intake_control", True, "Adaptive intake throttling"),
    FlagSpec("semantic_conflicts", True, "Semantic conflict detection", "shadow", SHADOW_ENFORCE),
    FlagSpec("plan_coordination", True, "Plan dependency enforcement"),
    FlagSpec("audit_chain", True, "Event tamper-evidence chain"),
    FlagSpec("code_ownership", False, "Code-area ownership SoD"),
    FlagSpec("pre_eval_harness", True, "Pre-PR evaluation harness", "shadow", SHADOW_ENFORCE),
    FlagSpec(
        "semantic_embeddings_model",
        True,
        "Embedding provider mode",
        "deterministic",
        EMBEDDING_PROVIDERS,
    ),
    FlagSpec(
        "risk_auto_classify",
        True,
        "Auto-reclassify risk level from scores",
        "enforce",
        SHADOW_ENFORCE,
    ),
    FlagSpec("advisory_locks", False, "PostgreSQL advisory queue locks", "shadow", SHADOW_ENFORCE),
    FlagSpec("llm_review_advisor", False, "LLM-powered review summaries", "shadow", SHADOW_ENFORCE),
    FlagSpec("coherence_feedback", True, "Suggestion loop for coherence harness"),
    FlagSpec("notifications", False, "Outbound webhook notifications", "shadow", SHADOW_ENFORCE),
)

FLAGS: Mapping[str, FlagSpec] = {spec.name: spec for spec in FLAG_SPECS}


@dataclass(frozen=True)
class FlagState:
    name: str
    enabled: bool
    description: str
    source: str
    mode: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The API shape: ``mode`` is omitted when empty."""
        data: dict[str, Any] = {
            "name": self.name,
            "enabled": self.enabled,
            "description": self.description,
            "source": self.source,
        }
        if self.mode:
            data["mode"] = self.mode
        return data


@dataclass(frozen=True)
class FlagOverride:
    """A runtime override; ``None`` leaves that part to the lower layers."""

    enabled: bool | None = None
    mode: str | None = None


def env_names(name: str) -> tuple[str, str]:
    upper = name.upper()
    return f"CONVERGE_FF_{upper}", f"CONVERGE_FF_{upper}_MODE"


def validate_mode(spec: FlagSpec, mode: str, origin: str) -> str:
    if not spec.modes:
        if mode:
            raise InvalidInput(f"{origin}: flag {spec.name} takes no mode, got {mode!r}")
        return mode
    if mode not in spec.modes:
        raise InvalidInput(
            f"{origin}: invalid mode {mode!r} for flag {spec.name} "
            f"(expected one of {', '.join(spec.modes)})"
        )
    return mode


def environment_problems(environ: Mapping[str, str]) -> list[str]:
    """One message per ``CONVERGE_FF_*`` variable of ``environ`` whose value is invalid."""
    problems = []
    for spec in FLAGS.values():
        enabled_var, mode_var = env_names(spec.name)
        try:
            if enabled_var in environ:
                parse_bool(environ[enabled_var], enabled_var)
            if mode_var in environ:
                validate_mode(spec, environ[mode_var].strip(), mode_var)
        except InvalidInput as exc:
            problems.append(exc.message)
    return problems


def file_entry(spec: FlagSpec, value: Any, origin: str) -> FlagOverride:
    """Parse one flags-file value: a boolean or ``{"enabled": bool, "mode": str}``."""
    if isinstance(value, bool):
        return FlagOverride(enabled=value)
    if isinstance(value, dict) and set(value) <= {"enabled", "mode"}:
        enabled = value.get("enabled")
        if enabled is not None and not isinstance(enabled, bool):
            raise InvalidInput(f"{origin}: {spec.name}.enabled must be true or false")
        mode = value.get("mode")
        if mode is not None:
            validate_mode(spec, str(mode), origin)
        return FlagOverride(enabled=enabled, mode=None if mode is None else str(mode))
    raise InvalidInput(f"{origin}: {spec.name} must be a boolean or {{enabled, mode}}")


def resolve_flag(
    spec: FlagSpec,
    *,
    environ: Mapping[str, str],
    file_doc: Mapping[str, Any],
    file_origin: str = "flags.json",
    override: FlagOverride | None = None,
) -> FlagState:
    """Resolve one flag through the four layers, remembering the highest layer that spoke."""
    enabled, mode, source = spec.enabled, spec.mode, "default"

    if spec.name in file_doc:
        entry = file_entry(spec, file_doc[spec.name], file_origin)
        if entry.enabled is not None:
            enabled, source = entry.enabled, "config"
        if entry.mode is not None:
            mode, source = entry.mode, "config"

    enabled_var, mode_var = env_names(spec.name)
    if enabled_var in environ:
        enabled, source = parse_bool(environ[enabled_var], enabled_var), "env"
    if mode_var in environ:
        mode, source = validate_mode(spec, environ[mode_var].strip(), mode_var), "env"

    if override is not None:
        if override.enabled is not None:
            enabled, source = override.enabled, "api"
        if override.mode is not None:
            mode, source = validate_mode(spec, override.mode, "override"), "api"

    return FlagState(spec.name, enabled, spec.description, source, mode)
