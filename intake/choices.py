"""Enumerations of the intake domain."""

from __future__ import annotations

from converge_core.intake import IntakeMode
from interfaces.choices import choices_from

# The modes an override stores; ``auto`` is the absence of an override.
StoredIntakeMode = choices_from(IntakeMode, name="StoredIntakeMode", module=__name__)
