"""Identifier generation and the grammar of caller-supplied intent ids."""

from __future__ import annotations

import os
import re
import uuid

from converge_core.errors import InvalidInput

INTENT_ID_PATTERN = re.compile(r"[A-Za-z0-9._:/-]{1,200}")
TRACE_ID_ENV = "CONVERGE_TRACE_ID"


def new_id() -> str:
    """Twelve lowercase hex characters from a random UUID4."""
    return uuid.uuid4().hex[:12]


def new_trace_id() -> str:
    """A fresh ``trace-<hex12>``, or the value pinned by ``CONVERGE_TRACE_ID``."""
    return os.environ.get(TRACE_ID_ENV) or f"trace-{new_id()}"


def validate_intent_id(value: object) -> str:
    """Return ``value`` if it is a legal intent id, else raise :class:`InvalidInput`.

    Ids use ``[A-Za-z0-9._:/-]`` (1–200 characters) with at most one ``/`` so that GitHub
    ids such as ``acme/my.repo:pr-12`` fit while path-like ids cannot nest.
    """
    if not isinstance(value, str) or not INTENT_ID_PATTERN.fullmatch(value):
        raise InvalidInput(
            f"Invalid intent id {value!r}: use 1-200 characters from A-Z a-z 0-9 . _ : / -",
            field="intent_id",
        )
    if value.count("/") > 1:
        raise InvalidInput(f"Invalid intent id {value!r}: at most one '/'", field="intent_id")
    if value in {".", ".."} or value.startswith("/") or value.endswith("/"):
        raise InvalidInput(f"Invalid intent id {value!r}", field="intent_id")
    return value
