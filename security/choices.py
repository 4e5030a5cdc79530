"""Enumerations of the security domain (the values of converge_core.security)."""

from __future__ import annotations

from converge_core import security
from interfaces.choices import choices_from

Severity = choices_from(security.Severity, name="Severity", module=__name__)
Category = choices_from(security.Category, name="Category", module=__name__)
Confidence = choices_from(security.Confidence, name="Confidence", module=__name__)
ScanStatus = choices_from(security.ScanStatus, name="ScanStatus", module=__name__)
ScanTrigger = choices_from(security.ScanTrigger, name="ScanTrigger", module=__name__)
FindingStatus = choices_from(security.FindingStatus, name="FindingStatus", module=__name__)
