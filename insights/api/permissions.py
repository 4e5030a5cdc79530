"""Roles and scopes of the debt, health, compliance, metrics and dashboard routes
(interfaces §3.3, §3.4)."""

from __future__ import annotations

from access.permissions import operator, viewer

# Project health, verification debt, predictions and the dashboard read like intents.
PROJECT_READ = viewer("intents.read")
COMPLIANCE_READ = viewer("compliance.read")
COMPLIANCE_WRITE = operator("compliance.write")
COMPLIANCE_HISTORY = operator("compliance.read")
METRICS_READ = viewer("events.read")
