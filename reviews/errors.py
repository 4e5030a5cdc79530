"""Errors of the reviews domain."""

from __future__ import annotations

from converge_core.errors import NotFound


class ReviewNotFound(NotFound):
    """An unknown review task, or another tenant's: both are the same 404 (``http_404``)."""
