"""Roles and scopes of the review routes (interfaces §3.3, §3.4)."""

from __future__ import annotations

from access.permissions import operator, viewer

REVIEWS_READ = viewer("reviews.read")
REVIEWS_WRITE = operator("reviews.write")
