"""Roles and scopes of the agent routes (interfaces §1.4 note 1, risk-policy §6 note 5)."""

from __future__ import annotations

from access.permissions import admin, viewer

AGENTS_READ = viewer("agents.read")
AGENTS_WRITE = admin("agents.write")
AGENTS_ADMIN = admin("agents.admin")
