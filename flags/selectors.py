"""Reading feature flags: runtime override > environment > flags file > defaults.

The flags file is the first of ``$CONVERGE_HOME/flags.json`` and ``./flags.json``; it is
re-read when its modification time changes, so an edit takes effect without a restart.

Runtime overrides live in the database so that every process sees a toggle. A process keeps
them for ``CONVERGE_FLAG_CACHE_SECONDS`` (5 s) and drops its copy when it changes a flag
itself; inside a transaction they are always read from the database, so a transaction sees
its own writes (and tests never see another test's rolled-back toggle).

Inside :func:`flag_snapshot` (one validation) each flag is resolved once and every later read
answers the same, so one decision never mixes two states of a flag.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from converge_core.errors import InvalidInput
from converge_core.flags import FLAGS, FlagOverride, FlagState, resolve_flag
from flags.models import FlagOverride as FlagOverrideRow

_file_cache: dict[Path, tuple[float, dict[str, Any]]] = {}
_override_cache: dict[str, tuple[float, dict[str, FlagOverride]]] = {}
# Inside flag_snapshot: each flag's state by name, and the overrides under _OVERRIDES.
_snapshot: ContextVar[dict[str, Any] | None] = ContextVar("flag_snapshot", default=None)
_OVERRIDES = "<overrides>"


class UnknownFlag(InvalidInput):
    code = "http_404"
    http_status = 404


def flags_file() -> Path | None:
    for candidate in (Path(settings.CONVERGE_HOME) / "flags.json", Path("flags.json")):
        if candidate.is_file():
            return candidate
    return None


def _file_doc(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    mtime = path.stat().st_mtime
    cached = _file_cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise InvalidInput(f"{path}: expected a JSON object of flag names")
    _file_cache[path] = (mtime, doc)
    return doc


def _load_overrides() -> dict[str, FlagOverride]:
    return {
        name: FlagOverride(enabled=enabled, mode=mode)
        for name, enabled, mode in FlagOverrideRow.objects.values_list("name", "enabled", "mode")
    }


def flag_overrides() -> dict[str, FlagOverride]:
    """The runtime overrides by flag name (cached briefly outside transactions)."""
    if connection.in_atomic_block:
        return _load_overrides()
    now = time.monotonic()
    cached = _override_cache.get(connection.alias)
    if cached is not None and now - cached[0] < settings.CONVERGE_FLAG_CACHE_SECONDS:
        return cached[1]
    overrides = _load_overrides()
    _override_cache[connection.alias] = (now, overrides)
    return overrides


def flag_overrides_invalidate() -> None:
    """Forget this process's copy of the overrides (after this process changed one)."""
    _override_cache.clear()


@contextmanager
def flag_snapshot() -> Iterator[None]:
    """Resolve each flag read inside the block once (nested blocks share the outer one)."""
    if _snapshot.get() is not None:
        yield
        return
    token = _snapshot.set({})
    try:
        yield
    finally:
        _snapshot.reset(token)


def flag_state(name: str) -> FlagState:
    snapshot = _snapshot.get()
    if snapshot is not None and name in snapshot:
        state: FlagState = snapshot[name]
        return state
    spec = FLAGS.get(name)
    if spec is None:
        raise UnknownFlag(f"Unknown flag: {name}", flag=name)
    path = flags_file()
    if snapshot is None:
        overrides = flag_overrides()
    else:  # the overrides are read once per snapshot too
        if _OVERRIDES not in snapshot:
            snapshot[_OVERRIDES] = flag_overrides()
        overrides = snapshot[_OVERRIDES]
    state = resolve_flag(
        spec,
        environ=os.environ,
        file_doc=_file_doc(path),
        file_origin=str(path or "flags.json"),
        override=overrides.get(name),
    )
    if snapshot is not None:
        snapshot[name] = state
    return state


def flag_is_enabled(name: str) -> bool:
    return flag_state(name).enabled


def flag_mode(name: str) -> str:
    """The flag's mode, or ``""`` when the flag is disabled or has none."""
    state = flag_state(name)
    return state.mode if state.enabled else ""


def flag_list() -> list[FlagState]:
    return [flag_state(name) for name in sorted(FLAGS)]


def flag_summary() -> dict[str, Any]:
    """The doctor's ``feature_flags`` line: ``<enabled>/<total> enabled`` and the overrides."""
    try:
        states = flag_list()
    except InvalidInput as exc:
        return {"check": "feature_flags", "status": "warn", "detail": exc.message}
    enabled = sum(1 for state in states if state.enabled)
    return {
        "check": "feature_flags",
        "status": "pass",
        "detail": f"{enabled}/{len(states)} enabled",
        "runtime_overrides": sorted(s.name for s in states if s.source == "api"),
    }
