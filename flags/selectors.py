"""Reading feature flags: environment > flags file > defaults.

The flags file is the first of ``$CONVERGE_HOME/flags.json`` and ``./flags.json``; it is
re-read when its modification time changes, so an edit takes effect without a restart.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings

from converge_core.errors import InvalidInput
from converge_core.flags import FLAGS, FlagState, resolve_flag

_file_cache: dict[Path, tuple[float, dict[str, Any]]] = {}


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


def flag_state(name: str) -> FlagState:
    spec = FLAGS.get(name)
    if spec is None:
        raise UnknownFlag(f"Unknown flag: {name}", flag=name)
    path = flags_file()
    return resolve_flag(
        spec, environ=os.environ, file_doc=_file_doc(path), file_origin=str(path or "flags.json")
    )


def flag_is_enabled(name: str) -> bool:
    return flag_state(name).enabled


def flag_mode(name: str) -> str:
    """The flag's mode, or ``""`` when the flag is disabled or has none."""
    state = flag_state(name)
    return state.mode if state.enabled else ""


def flag_list() -> list[FlagState]:
    return [flag_state(name) for name in sorted(FLAGS)]
