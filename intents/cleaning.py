"""The one validation of intent fields, by type and size (decisions §41).

Every path that creates or changes an intent runs it: the API (``POST``/``PATCH``), the CLI
(``intent create --file``/``--from-branch``, ``intent update``) and any integration, because
the services call it. A refusal is a :class:`FieldInvalid` naming the field
(``technical.scope_hint: ...``); the API prefixes the location (``body.``). Unknown fields and
values of the wrong JSON type are refused, never coerced: what is stored is exactly what the
risk engine, the queue and the database can take.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from converge_core.errors import FieldInvalid, InvalidInput
from converge_core.git.refnames import OBJECT_ID, is_valid_branch_name
from converge_core.ids import validate_intent_id
from intents.choices import IntentStatus, OriginType, RiskLevel

MAX_REF_LENGTH = 255
MAX_LABEL_LENGTH = 200  # tenant_id, plan_id, created_by (the columns hold 200)
MAX_TEXT_LENGTH = 10_000  # each semantic.* string
MAX_SEMANTIC_KEYS = 20
SEMANTIC_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")
MAX_SCOPE_HINTS = 50
MAX_SCOPE_HINT_LENGTH = 200
MAX_DEPENDENCIES = 100
MAX_CHECKS = 50
MAX_CHECK_NAME_LENGTH = 100
REPO_FULL_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}")
MAX_GITHUB_NUMBER = 2**53  # ids GitHub hands out; JSON consumers read numbers as doubles

# The fields a creation request may carry (``id`` and ``intent_id`` are synonyms).
CREATE_FIELDS = (
    "id",
    "intent_id",
    "source",
    "target",
    "status",
    "risk_level",
    "priority",
    "semantic",
    "technical",
    "checks_required",
    "dependencies",
    "tenant_id",
    "plan_id",
    "origin_type",
)
UPDATE_FIELDS = ("dependencies", "priority", "plan_id")


def _shown(value: Any, limit: int = 40) -> str:
    """A caller's value quoted for a message: escaped (one line) and cut at ``limit``."""
    text = json.dumps(value, default=repr)
    return text if len(text) <= limit + 2 else f"{text[: limit + 1]}..."


def _refuse_unknown(data: Mapping[str, Any], known: tuple[str, ...], prefix: str = "") -> None:
    for key in data:
        if key not in known:
            plain = isinstance(key, str) and SEMANTIC_KEY.fullmatch(key)
            raise FieldInvalid(f"{prefix}{key if plain else _shown(key)}", "unknown field")


def _string(value: Any, path: str, *, max_length: int, multiline: bool = False) -> str:
    """A string of at most ``max_length`` characters the database can store.

    NUL and lone surrogates are refused everywhere (PostgreSQL cannot store them); single-line
    values must also be printable (no control characters, no line breaks).
    """
    if not isinstance(value, str):
        raise FieldInvalid(path, f"must be a string, got {_json_type(value)}")
    if len(value) > max_length:
        raise FieldInvalid(path, f"at most {max_length} characters, got {len(value)}")
    if "\x00" in value:
        raise FieldInvalid(path, "must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FieldInvalid(path, "must be valid Unicode text (lone surrogate)") from None
    if not multiline and not value.isprintable():
        raise FieldInvalid(path, "must not contain control characters or line breaks")
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _integer(value: Any, path: str, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldInvalid(path, f"must be an integer, got {_json_type(value)}")
    if not minimum <= value <= maximum:
        raise FieldInvalid(path, f"must be between {minimum} and {maximum}")
    return value


def clean_choice(value: Any, field: str, choices: list[str]) -> str:
    if not isinstance(value, str):
        raise FieldInvalid(field, f"must be one of {', '.join(choices)}, got {_json_type(value)}")
    if value not in choices:
        raise FieldInvalid(field, f"{_shown(value)} is not a valid choice.")
    return value


def clean_priority(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldInvalid("priority", f"expected 1-5, got {_json_type(value)}")
    if not 1 <= value <= 5:
        raise FieldInvalid("priority", f"expected 1-5, got {value}")
    return value


def clean_ref(value: Any, field: str) -> str:
    """A branch name following git's rules (``check-ref-format --branch``)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(f"{field} is required", code="http_400", field=field)
    value = _string(value, field, max_length=MAX_REF_LENGTH).strip()
    if not is_valid_branch_name(value):
        raise FieldInvalid(field, f"{value!r} is not a valid branch name")
    return value


def clean_label(value: Any, field: str) -> str | None:
    """An optional one-line name (tenant, plan, actor): ``None`` or ``""`` is no value."""
    if value is None or value == "":
        return None
    value = _string(value, field, max_length=MAX_LABEL_LENGTH)
    if not value.strip():
        raise FieldInvalid(field, "must not be blank")
    return value


def _string_list(
    value: Any, path: str, *, max_items: int, item: Callable[[Any, str], str]
) -> list[str]:
    """A JSON array of at most ``max_items`` strings, duplicates dropped (first kept)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldInvalid(path, f"must be an array of strings, got {_json_type(value)}")
    if len(value) > max_items:
        raise FieldInvalid(path, f"at most {max_items} entries, got {len(value)}")
    return list(dict.fromkeys(item(entry, f"{path}[{index}]") for index, entry in enumerate(value)))


def _name(max_length: int) -> Callable[[Any, str], str]:
    def check(value: Any, path: str) -> str:
        if isinstance(value, str) and not value.strip():
            raise FieldInvalid(path, "must not be blank")
        return _string(value, path, max_length=max_length)

    return check


def _intent_id_at(value: Any, path: str) -> str:
    value = _string(value, path, max_length=200)
    try:
        return validate_intent_id(value)
    except InvalidInput as exc:
        raise FieldInvalid(path, exc.message) from None


def clean_dependencies(value: Any, intent_id: str | None) -> list[str]:
    dependencies = _string_list(
        value, "dependencies", max_items=MAX_DEPENDENCIES, item=_intent_id_at
    )
    if intent_id is not None and intent_id in dependencies:
        raise FieldInvalid("dependencies", f"Intent {intent_id} cannot depend on itself")
    return dependencies


def clean_semantic(value: Any) -> dict[str, str]:
    """Human context: an object of at most 20 strings of at most 10,000 characters."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldInvalid("semantic", f"must be a JSON object, got {_json_type(value)}")
    if len(value) > MAX_SEMANTIC_KEYS:
        raise FieldInvalid("semantic", f"at most {MAX_SEMANTIC_KEYS} keys, got {len(value)}")
    for key in value:
        if not isinstance(key, str) or not SEMANTIC_KEY.fullmatch(key):
            raise FieldInvalid("semantic", f"invalid key {_shown(key)}: use A-Z a-z 0-9 _ . -")
    return {
        key: _string(text, f"semantic.{key}", max_length=MAX_TEXT_LENGTH, multiline=True)
        for key, text in value.items()
    }


def _technical_ref(value: Any, path: str) -> str:
    value = _string(value, path, max_length=MAX_REF_LENGTH)
    if not is_valid_branch_name(value):
        raise FieldInvalid(path, f"{value!r} is not a valid branch name")
    return value


def _object_id(value: Any, path: str) -> str:
    value = _string(value, path, max_length=64)
    if not OBJECT_ID.fullmatch(value):
        raise FieldInvalid(path, "must be a full commit SHA (40 or 64 lowercase hex digits)")
    return value


def _repo_full_name(value: Any, path: str) -> str:
    value = _string(value, path, max_length=201)
    if not REPO_FULL_NAME.fullmatch(value):
        raise FieldInvalid(path, "must be owner/name")
    return value


def _github_number(value: Any, path: str) -> int:
    return _integer(value, path, minimum=1, maximum=MAX_GITHUB_NUMBER)


def _scope_list(value: Any, path: str) -> list[str]:
    return _string_list(value, path, max_items=MAX_SCOPE_HINTS, item=_name(MAX_SCOPE_HINT_LENGTH))


def _one_line(max_length: int) -> Callable[[Any, str], str]:
    return lambda value, path: _string(value, path, max_length=max_length)


def _boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise FieldInvalid(path, f"must be true or false, got {_json_type(value)}")
    return value


# Machine metadata (core §1.1's known keys) and the check of each.
TECHNICAL_FIELDS: dict[str, Callable[[Any, str], Any]] = {
    "scope_hint": _scope_list,
    "affected_modules": _scope_list,
    "source_ref": _technical_ref,
    "target_ref": _technical_ref,
    "initial_base_commit": _object_id,
    "repo": _repo_full_name,
    "pr_number": _github_number,
    "installation_id": _github_number,
    "merge_group_head_ref": _one_line(MAX_REF_LENGTH),
    "head_sha": _object_id,
    "author": _one_line(MAX_LABEL_LENGTH),
    "draft": _boolean,
    "webhook_event": _one_line(100),
}


def clean_technical(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldInvalid("technical", f"must be a JSON object, got {_json_type(value)}")
    _refuse_unknown(value, tuple(TECHNICAL_FIELDS), prefix="technical.")
    return {
        key: TECHNICAL_FIELDS[key](entry, f"technical.{key}")
        for key, entry in value.items()
        if entry is not None
    }


def _intent_id(data: Mapping[str, Any]) -> str | None:
    given = [(key, data[key]) for key in ("id", "intent_id") if data.get(key) is not None]
    if len(given) == 2 and given[0][1] != given[1][1]:
        raise FieldInvalid("intent_id", "differs from id: give one of them")
    return _intent_id_at(given[0][1], given[0][0]) if given else None


def _given(value: Any) -> bool:
    return value is not None and value != ""


def clean_new_intent(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a creation request; the result holds every field with its default applied.

    ``null`` is the same as an absent field. ``source``/``target`` (absent or ``""``) fall back to
    ``technical.source_ref``/``target_ref`` (the legacy nested form). Creation accepts only
    status READY.
    """
    _refuse_unknown(data, CREATE_FIELDS)
    intent_id = _intent_id(data)
    technical = clean_technical(data.get("technical"))
    status = data.get("status")
    if status is not None and status != IntentStatus.READY:
        clean_choice(status, "status", IntentStatus.values)
        raise FieldInvalid(
            "status",
            f"Creation accepts only status READY, got {status}; an administrator sets other "
            "statuses with `converge intent status --status`",
        )
    risk_level = data.get("risk_level")
    origin_type = data.get("origin_type")
    priority = data.get("priority")
    source, target = data.get("source"), data.get("target")
    return {
        "id": intent_id,
        "source": clean_ref(source if _given(source) else technical.get("source_ref"), "source"),
        "target": clean_ref(
            target if _given(target) else technical.get("target_ref", "main"), "target"
        ),
        "risk_level": (
            RiskLevel.MEDIUM
            if risk_level is None
            else clean_choice(risk_level, "risk_level", RiskLevel.values)
        ),
        "priority": 3 if priority is None else clean_priority(priority),
        "semantic": clean_semantic(data.get("semantic")),
        "technical": technical,
        "checks_required": _string_list(
            data.get("checks_required"),
            "checks_required",
            max_items=MAX_CHECKS,
            item=_name(MAX_CHECK_NAME_LENGTH),
        ),
        "dependencies": clean_dependencies(data.get("dependencies"), intent_id),
        "tenant_id": clean_label(data.get("tenant_id"), "tenant_id"),
        "plan_id": clean_label(data.get("plan_id"), "plan_id"),
        "origin_type": (
            OriginType.HUMAN
            if origin_type is None
            else clean_choice(origin_type, "origin_type", OriginType.values)
        ),
    }


def clean_intent_changes(data: Mapping[str, Any], *, intent_id: str) -> dict[str, Any]:
    """Validate an update of an active intent's plan fields (``plan_id`` null or ``""``
    clears the plan)."""
    _refuse_unknown(data, UPDATE_FIELDS)
    if not data:
        raise FieldInvalid("", "give dependencies, priority or plan_id")
    changes: dict[str, Any] = {}
    if "dependencies" in data:
        if data["dependencies"] is None:
            raise FieldInvalid("dependencies", "must be an array of strings, got null")
        changes["dependencies"] = clean_dependencies(data["dependencies"], intent_id)
    if "priority" in data:
        changes["priority"] = clean_priority(data["priority"])
    if "plan_id" in data:
        changes["plan_id"] = clean_label(data["plan_id"], "plan_id")
    return changes
