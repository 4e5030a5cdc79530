"""Roles and scopes of the semantic routes (interfaces §1.3, §3.4)."""

from __future__ import annotations

from access.permissions import operator, viewer

SEMANTIC_READ = viewer("semantic.read")
SEMANTIC_WRITE = operator("semantic.write")
