"""Where notifications go: ``notifications.json`` webhooks by channel, else the default URL.

The file is the first of ``$CONVERGE_HOME/notifications.json`` and ``./notifications.json``,
shaped ``{"webhooks": {"<channel>": "<url>", "default": "<url>"}}``. Without a file entry the
default channel is ``CONVERGE_WEBHOOK_URL``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from django.conf import settings

logger = logging.getLogger("converge.notifications")

DEFAULT_CHANNEL = "default"


def targets_file() -> Path | None:
    for candidate in (
        Path(settings.CONVERGE_HOME) / "notifications.json",
        Path("notifications.json"),
    ):
        if candidate.is_file():
            return candidate
    return None


def notification_targets() -> dict[str, str]:
    """Channel → URL; an unreadable file is logged and ignored (delivery never raises)."""
    targets: dict[str, str] = {}
    if settings.CONVERGE_WEBHOOK_URL:
        targets[DEFAULT_CHANNEL] = settings.CONVERGE_WEBHOOK_URL
    path = targets_file()
    if path is None:
        return targets
    try:
        webhooks = json.loads(path.read_text()).get("webhooks", {})
        if not isinstance(webhooks, dict):
            raise ValueError("webhooks must be an object")
    except (OSError, ValueError, AttributeError) as exc:
        logger.warning("ignoring %s: %s", path, exc)
        return targets
    targets.update({str(k): str(v) for k, v in webhooks.items() if isinstance(v, str) and v})
    return targets


def target_url(channel: str) -> str | None:
    targets = notification_targets()
    return targets.get(channel) or targets.get(DEFAULT_CHANNEL)
