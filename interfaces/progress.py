"""Progress bars of the CLI: rich on stderr, only when stderr is a terminal (decisions §37).

Results stay JSON on stdout; the bar is transient, so a finished command leaves no trace of it
on the terminal. Piped or redirected, nothing is drawn and rich is not even imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from converge_core.progress import SILENT, Progress

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress as RichBar
    from rich.progress import TaskID


class BarProgress:
    """A :class:`~converge_core.progress.Progress` drawing one rich bar per phase."""

    def __init__(self, bar: RichBar) -> None:
        self._bar = bar
        self._task: TaskID | None = None

    def start(self, description: str, total: int | None = None) -> None:
        if self._task is not None:
            self._bar.stop_task(self._task)
        self._task = self._bar.add_task(description, total=total)

    def advance(self, amount: int = 1) -> None:
        if self._task is not None:
            self._bar.advance(self._task, amount)

    def say(self, message: str) -> None:
        """Write a line above the bar (a plain write would be erased by its next redraw)."""
        self._bar.console.print(message, markup=False, highlight=False, soft_wrap=True)


@contextmanager
def console_progress(console: Console) -> Iterator[BarProgress]:
    """Progress bars drawn on ``console`` for the duration of the block."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichBar

    bar = RichBar(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        redirect_stdout=False,  # stdout carries the JSON result: never touch it
        redirect_stderr=False,
    )
    with bar:
        yield BarProgress(bar)


@contextmanager
def terminal_progress(stream: TextIO) -> Iterator[Progress]:
    """A progress bar on ``stream`` when it is a terminal, else the silent progress."""
    if not stream.isatty():
        yield SILENT
        return
    from rich.console import Console

    with console_progress(Console(file=stream)) as progress:
        yield progress
