"""Roles and scopes of the security routes (interfaces §3.3, §3.4)."""

from __future__ import annotations

from access.permissions import operator, viewer

SECURITY_READ = viewer("security.read")
SECURITY_WRITE = operator("security.write")
