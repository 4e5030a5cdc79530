"""``converge coherence``: init, list, run, baseline, suggest and accept."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from harness.coherence import coherence_baseline, coherence_init, coherence_list, coherence_run
from harness.suggestions import coherence_accept, coherence_suggest
from interfaces.commands import ConvergeCommand, UsageError


def _path(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--path", help="harness file (default $CONVERGE_HOME/coherence_harness.json)"
    )


def _tenant(parser: ArgumentParser) -> None:
    parser.add_argument("--tenant-id", help="whose baselines (default: no tenant)")


class Command(ConvergeCommand):
    help = "Coherence harness: questions about the repository every validation asks."
    subcommands = {
        "init": "Create the harness file with the default questions (never overwrites).",
        "list": "The configured questions with their baselines.",
        "run": "Run every enabled question against the repository's current state.",
        "baseline": "Capture the current values as baselines.",
        "suggest": "Suggest questions from recurring failures.",
        "accept": "Add a suggested question to the harness file.",
    }

    def arguments_init(self, parser: ArgumentParser) -> None:
        _path(parser)

    def handle_init(self, **options: Any) -> Any:
        return coherence_init(options["path"])

    def arguments_list(self, parser: ArgumentParser) -> None:
        _path(parser)
        _tenant(parser)

    def handle_list(self, **options: Any) -> Any:
        return coherence_list(path=options["path"], tenant_id=options["tenant_id"])

    def arguments_run(self, parser: ArgumentParser) -> None:
        _path(parser)
        _tenant(parser)

    def handle_run(self, **options: Any) -> Any:
        return coherence_run(path=options["path"], tenant_id=options["tenant_id"])

    def arguments_baseline(self, parser: ArgumentParser) -> None:
        _path(parser)
        _tenant(parser)

    def handle_baseline(self, **options: Any) -> Any:
        return coherence_baseline(
            path=options["path"], tenant_id=options["tenant_id"], actor=settings.CONVERGE_ACTOR
        )

    def arguments_suggest(self, parser: ArgumentParser) -> None:
        parser.add_argument("--lookback-days", type=int, default=90)

    def handle_suggest(self, **options: Any) -> Any:
        if options["lookback_days"] < 1:
            raise UsageError("converge coherence suggest: --lookback-days must be at least 1")
        return coherence_suggest(
            lookback_days=options["lookback_days"], actor=settings.CONVERGE_ACTOR
        )

    def arguments_accept(self, parser: ArgumentParser) -> None:
        parser.add_argument("--suggestion-id", required=True)

    def handle_accept(self, **options: Any) -> Any:
        return coherence_accept(
            suggestion_id=options["suggestion_id"], actor=settings.CONVERGE_ACTOR
        )
