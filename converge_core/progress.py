"""Progress of long operations, reported to whoever watches (decisions §37).

Services take a :class:`Progress` and report phases and units of work; the CLI passes a
progress bar when stderr is a terminal, every other caller the silent default.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, description: str, total: int | None = None) -> None:
        """Begin a phase of ``total`` units of work (``None``: unknown)."""

    def advance(self, amount: int = 1) -> None:
        """``amount`` more units of the current phase are done."""


class SilentProgress:
    """Reports nowhere: the default of every service."""

    def start(self, description: str, total: int | None = None) -> None:
        return None

    def advance(self, amount: int = 1) -> None:
        return None


SILENT = SilentProgress()
