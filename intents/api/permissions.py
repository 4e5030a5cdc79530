"""Roles and scopes of the intents, queue, risk and event routes (interfaces §3.3, §3.4)."""

from __future__ import annotations

from access.permissions import operator, viewer

INTENTS_READ = viewer("intents.read")
INTENTS_WRITE = operator("intents.write")
QUEUE_READ = viewer("queue.read")
QUEUE_WRITE = operator("queue.write")
RISK_READ = viewer("risk.read")
RISK_WRITE = operator("risk.write")
EVENTS_READ = viewer("events.read")
AUDIT_READ = operator("events.read")
