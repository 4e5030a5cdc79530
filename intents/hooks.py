"""Loading the hook lists declared in settings (see converge_core.hooks)."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


@cache
def _load(paths: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(import_string(path) for path in paths)


def hooks(setting_name: str) -> tuple[Any, ...]:
    """The callables named by a ``CONVERGE_*`` hook-list setting, imported once."""
    return _load(tuple(getattr(settings, setting_name, ())))
