"""Errors of the security domain."""

from __future__ import annotations

from converge_core.errors import NotFound


class ScanNotFound(NotFound):
    """An unknown scan, or another tenant's: both are the same 404."""


class FindingNotFound(NotFound):
    """An unknown finding, or another tenant's: both are the same 404."""
