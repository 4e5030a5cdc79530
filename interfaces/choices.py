"""Django choices made from the core's enumerations, so that each value is stated once."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.db import models


def choices_from(enum: type[StrEnum], *, name: str, module: str) -> Any:
    """``TextChoices`` with the members of ``enum``: the same names and values, in the same
    order, and the labels Django derives from the names (``IN_REVIEW`` -> "In Review").

    Typed ``Any``: the members are made at run time, so a checker cannot know them."""
    members = [(member.name, member.value) for member in enum]
    return models.TextChoices(name, members, module=module)  # type: ignore[call-overload]
