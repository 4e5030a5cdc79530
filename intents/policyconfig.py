"""Loading ``policy.json``: ``--policy`` > ``CONVERGE_POLICY_PATH`` > ``$CONVERGE_HOME`` >
``./policy.json`` > built-in defaults (never from a source branch or a merge result)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings

from converge_core.policy import PolicyConfig, default_policy, find_policy_file, load_policy

_cache: dict[Path, tuple[float, PolicyConfig]] = {}
_defaults = cache(default_policy)  # the built-in defaults never change in a process


def policy_config(explicit: str | None = None) -> PolicyConfig:
    """The policy in force, re-read only when its file changes."""
    path = find_policy_file(
        explicit, settings.CONVERGE_POLICY_PATH or None, Path(settings.CONVERGE_HOME)
    )
    if path is None:
        return _defaults()
    mtime = path.stat().st_mtime
    cached = _cache.get(path)
    if cached is None or cached[0] != mtime:
        cached = (mtime, load_policy(path))
        _cache[path] = cached
    return cached[1]
