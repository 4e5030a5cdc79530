"""Running a runbook line exactly as written through the in-process CLI."""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def runbook_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``$CONVERGE_DB_PATH`` as deployments set it (the CLI writes it back; this restores it)."""
    monkeypatch.setenv("CONVERGE_DB_PATH", str(tmp_path / "state.db"))


def runbook_line(cli: Callable[..., Any], line: str, **fills: str) -> Any:
    """Run ``line`` (``converge …``) with ``$VARS`` expanded and ``<name>`` taken from ``fills``;
    a backslash at the end of a line continues it, as in the shell."""
    for name, value in fills.items():
        line = line.replace(f"<{name}>", value)
    line = line.replace("\\\n", " ")
    words = shlex.split(os.path.expandvars(line), comments=True)  # "# verify" is the shell's
    assert words[0] == "converge", line
    return cli(*words[1:])
