"""Roles and scopes of the intake routes (interfaces §3.3, §3.4)."""

from __future__ import annotations

from access.permissions import operator, viewer

INTAKE_READ = viewer("intake.read")
INTAKE_WRITE = operator("intake.write")
