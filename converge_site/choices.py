"""Django choices made from the core's enumerations, so that each value is stated once."""

from __future__ import annotations

from enum import StrEnum

from django.db import models


def choices_from(enum: type[StrEnum], *, name: str, module: str) -> type[models.TextChoices]:
    """``TextChoices`` with the members of ``enum``: the same names and values, in the same
    order, and the labels Django derives from the names (``IN_REVIEW`` -> "In Review")."""
    members = [(member.name, member.value) for member in enum]
    return models.TextChoices(name, members, module=module)
