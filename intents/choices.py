"""Enumerations of the intents domain (statuses, risk levels and origins are the core's)."""

from __future__ import annotations

from django.db import models

from converge_core.checks import CheckRunState as CoreCheckRunState
from converge_core.origins import OriginType as CoreOriginType
from converge_core.risk import RiskLevel as CoreRiskLevel
from converge_core.states import Status
from interfaces.choices import choices_from

IntentStatus = choices_from(Status, name="IntentStatus", module=__name__)
RiskLevel = choices_from(CoreRiskLevel, name="RiskLevel", module=__name__)
OriginType = choices_from(CoreOriginType, name="OriginType", module=__name__)
CheckRunState = choices_from(CoreCheckRunState, name="CheckRunState", module=__name__)


class CommitRole(models.TextChoices):
    HEAD = "head"
    BASE = "base"
    MERGE = "merge"
