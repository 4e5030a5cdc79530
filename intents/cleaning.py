"""Validation of intent fields, shared by every input path (CLI flags, files, the API)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from converge_core.errors import InvalidInput
from converge_core.git.refnames import is_valid_branch_name
from converge_core.ids import validate_intent_id
from intents.choices import IntentStatus, OriginType, RiskLevel

MAX_REF_LENGTH = 255


def clean_choice(value: Any, field: str, choices: list[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InvalidInput(
            f"Invalid {field} {value!r}: expected one of {', '.join(choices)}", field=field
        )
    return value


def clean_priority(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value)
        else:
            raise InvalidInput(f"Invalid priority {value!r}: expected 1-5", field="priority")
    if not 1 <= value <= 5:
        raise InvalidInput(f"Invalid priority {value}: expected 1-5", field="priority")
    return value


def clean_ref(value: Any, field: str) -> str:
    """A branch name following git's rules (``check-ref-format --branch``)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} is required", field=field)
    value = value.strip()
    if len(value) > MAX_REF_LENGTH or not is_valid_branch_name(value):
        raise InvalidInput(f"Invalid {field} {value!r}: not a valid branch name", field=field)
    return value


def clean_optional_text(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 200:
        raise InvalidInput(f"Invalid {field} {value!r}", field=field)
    return value


def clean_object(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be a JSON object", field=field)
    return value


def clean_string_list(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidInput(f"{field} must be a list of strings", field=field)
    return list(dict.fromkeys(value))


def clean_dependencies(value: Any, intent_id: str | None) -> list[str]:
    dependencies = [validate_intent_id(dep) for dep in clean_string_list(value, "dependencies")]
    if intent_id is not None and intent_id in dependencies:
        raise InvalidInput(f"Intent {intent_id} cannot depend on itself", field="dependencies")
    return dependencies


def clean_new_intent(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a creation request; the result holds every field with its default applied.

    ``source``/``target`` fall back to ``technical.source_ref``/``target_ref`` (the legacy
    nested form). Creation accepts only status READY.
    """
    technical = clean_object(data.get("technical"), "technical")
    intent_id = data.get("id") or data.get("intent_id")
    if intent_id is not None:
        intent_id = validate_intent_id(intent_id)
    status = data.get("status") or IntentStatus.READY
    if status != IntentStatus.READY:
        clean_choice(status, "status", IntentStatus.values)
        raise InvalidInput(
            f"Creation accepts only status READY, got {status}; an administrator sets other "
            "statuses with `converge intent status --status`",
            field="status",
        )
    risk_level = clean_choice(
        data.get("risk_level") or RiskLevel.MEDIUM, "risk_level", RiskLevel.values
    )
    return {
        "id": intent_id,
        "source": clean_ref(data.get("source") or technical.get("source_ref"), "source"),
        "target": clean_ref(data.get("target") or technical.get("target_ref") or "main", "target"),
        "risk_level": risk_level,
        "priority": clean_priority(data.get("priority", 3)),
        "semantic": clean_object(data.get("semantic"), "semantic"),
        "technical": technical,
        "checks_required": clean_string_list(data.get("checks_required"), "checks_required"),
        "dependencies": clean_dependencies(data.get("dependencies"), intent_id),
        "tenant_id": clean_optional_text(data.get("tenant_id"), "tenant_id"),
        "plan_id": clean_optional_text(data.get("plan_id"), "plan_id"),
        "origin_type": clean_choice(
            data.get("origin_type") or OriginType.HUMAN, "origin_type", OriginType.values
        ),
    }
