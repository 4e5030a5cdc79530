"""What ``intent status`` shows about semantic conflicts (``CONVERGE_INTENT_DETAILS``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from semantic.selectors import open_conflicts
from semantic.serialization import conflict_serialize


def intent_semantic_conflicts(intent_id: str) -> dict[str, Any]:
    """The intent's open semantic conflicts, highest score first."""
    rows = open_conflicts().filter(Q(intent_a_id=intent_id) | Q(intent_b_id=intent_id))
    return {"semantic_conflicts": [conflict_serialize(row) for row in rows.order_by("-score")]}
