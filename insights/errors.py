"""Errors of the read models."""

from __future__ import annotations

from converge_core.errors import NotFound


class FeatureDisabled(NotFound):
    """The feature's flag is off: the command exits 2, the API answers 404."""

    code = "feature_disabled"
