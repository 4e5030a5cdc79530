"""JSON log lines on stderr for the web server, the worker and the CLI alike."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

EXTRA_FIELDS = (
    "trace_id",
    "intent_id",
    "tenant_id",
    "step",
    "risk_score",
    "method",
    "path",
    "status_code",
    "duration_ms",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                data[name] = getattr(record, name)
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str)
