"""Roles and scopes of the flag routes (interfaces §3.3, §3.4); flags are not tenant-scoped."""

from __future__ import annotations

from access.permissions import admin, viewer

FLAGS_READ = viewer("flags.read")
FLAGS_WRITE = admin("flags.write")
