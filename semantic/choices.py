"""Enumerations of the semantic domain (the values of converge_core.semantic)."""

from __future__ import annotations

from converge_core import semantic
from interfaces.choices import choices_from

ConflictStatus = choices_from(semantic.ConflictStatus, name="ConflictStatus", module=__name__)
ConflictMode = choices_from(semantic.ConflictMode, name="ConflictMode", module=__name__)
