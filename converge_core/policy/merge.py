"""Deep merge of policy fragments and origin-override layering."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from converge_core.policy.defaults import DEFAULT_OVERRIDE_KEY


def deep_merge(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``patch``: objects merge key by key, anything else (lists too) is
    replaced. Neither input is modified."""
    merged = copy.deepcopy(dict(base))
    for key, value in patch.items():
        current = merged.get(key)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = deep_merge(current, value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def override_patches(rules: Mapping[str, Any] | None, level: str) -> list[Mapping[str, Any]]:
    """The patches one origin applies at ``level``: ``_default`` first, the level's on top.

    The reference let a level patch *replace* ``_default``; layering is what users expect
    (risk-policy §3 note 5), so a level patch only overrides the keys it names.
    """
    if not isinstance(rules, Mapping):
        return []
    found = (rules.get(DEFAULT_OVERRIDE_KEY), rules.get(level))
    return [patch for patch in found if isinstance(patch, Mapping)]


def apply_patches(profile: Mapping[str, Any], patches: list[Mapping[str, Any]]) -> dict[str, Any]:
    """``profile`` with each patch deep-merged in order."""
    merged = dict(profile)
    for patch in patches:
        merged = deep_merge(merged, patch)
    return merged
