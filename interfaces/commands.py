"""The shared base of every Converge management command.

A command is a runbook group with argparse subcommands. Each subcommand has an
``arguments_<name>`` method adding its options and a ``handle_<name>`` method returning a
JSON-ready result. Results go to stdout as one pretty-printed JSON document; a
:class:`ConvergeError` becomes the ``{"error": ...}`` envelope on stdout, one line on stderr
and its exit code (2 usage or bad input, 1 operational failure, 3 integrity failure).
"""

from __future__ import annotations

import json
import logging
import sys
from argparse import ArgumentParser, _SubParsersAction
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from converge_core.errors import ConvergeError, InvalidInput
from converge_core.progress import SILENT, Progress
from interfaces.dbready import ensure_database_ready
from interfaces.progress import BarProgress, terminal_progress

logger = logging.getLogger("converge.cli")


class UsageError(InvalidInput):
    code = "usage_error"


class ConvergeParser(CommandParser):
    """Argument errors become one-line :class:`UsageError` instead of argparse's usage dump."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


# Option names Django's ``BaseCommand`` owns: its own options (``execute`` and ``call_command``
# read them from the same namespace), the ``call_command`` stealth options and ``database``,
# which ``execute`` reads for transactional output. A Converge option must use another
# ``dest`` even when its flag is the same word (``--skip-checks``).
DJANGO_OPTION_DESTS = frozenset(
    {
        "version",
        "verbosity",
        "settings",
        "pythonpath",
        "traceback",
        "no_color",
        "force_color",
        "skip_checks",
        "stdout",
        "stderr",
        "database",
    }
)


def parser_dests(parser: ArgumentParser) -> Iterator[tuple[str, str]]:
    """``(prog, dest)`` of every option of ``parser`` and of its subcommands' parsers."""
    for action in parser._actions:
        if isinstance(action, _SubParsersAction):
            for child in action.choices.values():
                yield from parser_dests(child)
        else:
            yield parser.prog, action.dest


def one_line(message: str) -> str:
    """``message`` on one line: line breaks in it (a caller's value) are shown escaped."""
    return "\\n".join(message.splitlines())


def render_json(value: Any) -> str:
    return json.dumps(value, indent=2, default=str, ensure_ascii=False)


class ConvergeCommand(BaseCommand):
    """Base class: subcommand dispatch, JSON output and error rendering."""

    subcommands: dict[str, str] = {}
    requires_database = True
    requires_system_checks: list[str] = []
    _progress: Progress = SILENT  # the bar of the running subcommand (see ``progress``)

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = ConvergeParser(
            prog=f"converge {subcommand}",
            description=self.help or None,
            called_from_command_line=True,
        )
        parser.set_defaults(
            verbosity=1,
            no_color=False,
            force_color=False,
            skip_checks=True,
            traceback=False,
            settings=None,
            pythonpath=None,
        )
        self.add_arguments(parser)
        for prog, dest in parser_dests(parser):
            if dest in DJANGO_OPTION_DESTS:
                raise TypeError(
                    f"{prog}: the option dest {dest!r} belongs to Django's BaseCommand; "
                    "give the option another dest"
                )
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        if not self.subcommands:
            return
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND")
        for name, summary in self.subcommands.items():
            child = sub.add_parser(name, help=summary, description=summary)
            getattr(self, f"arguments_{name.replace('-', '_')}")(child)

    def dispatch(self, options: dict[str, Any]) -> Any:
        """Run the chosen subcommand; commands without subcommands override this."""
        name = options.get("subcommand")
        if not name:
            raise UsageError(
                f"converge {self._name}: choose a subcommand: {', '.join(self.subcommands)}"
            )
        return getattr(self, f"handle_{name.replace('-', '_')}")(**options)

    def run_from_argv(self, argv: list[str]) -> None:
        self._name = argv[1]
        exit_code = self.run_argv(argv[2:])
        if exit_code:
            sys.exit(exit_code)

    def run_argv(self, args: list[str]) -> int:
        """Parse, run and render; returns the exit code."""
        try:
            parser = self.create_parser("converge", self._name)
            options = vars(parser.parse_args(args))
            if self.requires_database:
                ensure_database_ready()
            result = self.dispatch(options)
            if result is not None:
                self.stdout.write(render_json(result))
            return self.exit_code_for(result)
        except ConvergeError as exc:
            self.stdout.write(render_json(exc.as_dict()))
            self.stderr.write(f"error: {one_line(exc.message)}")
            return exc.exit_code
        except Exception as exc:
            logger.exception("command failed")
            envelope = {"error": {"code": "internal_error", "message": str(exc) or repr(exc)}}
            self.stdout.write(render_json(envelope))
            self.stderr.write(f"error: {exc.__class__.__name__}: {exc}")
            return 1

    def exit_code_for(self, result: Any) -> int:
        """Hook for commands whose result itself decides the exit code (verify-chain)."""
        return 0

    @contextmanager
    def progress(self) -> Iterator[Progress]:
        """A progress bar on this command's stderr when it is a terminal, else silence."""
        stream = cast(TextIO, self.stderr._out)  # the file the OutputWrapper writes to
        with terminal_progress(stream) as progress:
            self._progress = progress
            try:
                yield progress
            finally:
                self._progress = SILENT

    def say(self, message: str) -> None:
        """One line on stderr, kept above the progress bar while one is drawn."""
        if isinstance(self._progress, BarProgress):
            self._progress.say(message)
        else:
            self.stderr.write(message)

    def handle(self, *args: Any, **options: Any) -> str | None:
        # ``call_command`` path: same dispatch, errors surface as CommandError.
        try:
            result = self.dispatch(options)
        except ConvergeError as exc:
            raise CommandError(exc.message, returncode=exc.exit_code) from exc
        return render_json(result)
