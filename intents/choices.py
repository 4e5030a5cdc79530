"""Enumerations of the intents domain."""

from __future__ import annotations

from django.db import models


class IntentStatus(models.TextChoices):
    READY = "READY"
    VALIDATED = "VALIDATED"
    QUEUED = "QUEUED"
    MERGED = "MERGED"
    REJECTED = "REJECTED"


class RiskLevel(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class OriginType(models.TextChoices):
    HUMAN = "human"
    AGENT = "agent"
    INTEGRATION = "integration"
    API = "api"
    DEMO = "demo"


class CommitRole(models.TextChoices):
    HEAD = "head"
    BASE = "base"
    MERGE = "merge"


RISK_ORDER = {level: rank for rank, level in enumerate(RiskLevel.values)}
