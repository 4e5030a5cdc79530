"""Enumerations of the intake domain."""

from __future__ import annotations

from django.db import models


class StoredIntakeMode(models.TextChoices):
    """Modes an override stores; ``auto`` is the absence of an override."""

    OPEN = "open"
    THROTTLE = "throttle"
    PAUSE = "pause"
