"""Roles and scopes of the export routes (interfaces §3.3, §3.4)."""

from __future__ import annotations

from access.permissions import viewer

EXPORT_READ = viewer("events.read")
