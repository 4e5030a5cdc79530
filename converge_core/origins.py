"""Where an intent comes from: its ``origin_type``."""

from __future__ import annotations

from enum import StrEnum


class OriginType(StrEnum):
    HUMAN = "human"
    AGENT = "agent"
    INTEGRATION = "integration"
    API = "api"
    DEMO = "demo"
