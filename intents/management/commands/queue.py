"""``converge queue run|inspect|reset``."""

from __future__ import annotations

import signal
from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from converge_core.queue import parse_targets
from intents.choices import IntentStatus
from intents.cleaning import clean_ref
from intents.locks import lock_describe
from intents.queue import QueueOptions, default_target, queue_inspect, queue_reset, queue_run
from intents.repositories import repository_resolve
from interfaces.commands import ConvergeCommand, UsageError


class Command(ConvergeCommand):
    help = "The merge queue: process it, inspect it, reset intents and locks."
    subcommands = {
        "run": "Revalidate (and with --auto-confirm merge) queued intents in priority order.",
        "inspect": "Intents in queue order and the state of the queue locks.",
        "reset": "Zero an intent's retries (--set-status); --clear-lock releases the locks.",
    }

    def arguments_run(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--limit",
            type=int,
            default=20,
            help="intents to revalidate, merge or reject (default 20)",
        )
        parser.add_argument("--target", help="branch, comma list or * (default main)")
        parser.add_argument("--auto-confirm", action="store_true", help="merge, not only queue")
        parser.add_argument("--max-retries", type=int)
        parser.add_argument("--use-last-simulation", action="store_true")
        parser.add_argument(
            "--skip-checks",
            dest="skip_required_checks",
            action="store_true",
            help="do not run checks (they count as unverified)",
        )
        parser.add_argument(
            "--wait", type=float, help="seconds to wait for a held lock (default: the lock TTL)"
        )

    def handle_run(self, **options: Any) -> Any:
        if options["limit"] < 1:
            self._bad("--limit must be at least 1")
        if options["max_retries"] is not None and options["max_retries"] < 1:
            self._bad("--max-retries must be at least 1")
        targets = parse_targets(options["target"], default_target())
        for target in targets or ():
            clean_ref(target, "target")
        stop = {"requested": False}

        def on_sigterm(signum: int, frame: Any) -> None:
            stop["requested"] = True  # finish the current intent, then stop

        previous = signal.signal(signal.SIGTERM, on_sigterm)
        try:
            with self.progress() as progress:
                return queue_run(
                    repository=repository_resolve(),
                    options=QueueOptions(
                        limit=options["limit"],
                        targets=targets,
                        auto_confirm=options["auto_confirm"],
                        max_retries=options["max_retries"],
                        use_last_simulation=options["use_last_simulation"],
                        skip_checks=options["skip_required_checks"],
                        wait=options["wait"],
                    ),
                    on_wait=lambda lock: self.say(
                        f"waiting: queue lock {lock['name']} is {lock_describe(lock)}"
                    ),
                    should_stop=lambda: stop["requested"],
                    progress=progress,
                )
        finally:
            signal.signal(signal.SIGTERM, previous)

    def exit_code_for(self, result: Any) -> int:
        return 1 if isinstance(result, dict) and "error" in result else 0

    def arguments_inspect(self, parser: ArgumentParser) -> None:
        parser.add_argument("--status", choices=IntentStatus.values)
        parser.add_argument("--min-retries", type=int)
        parser.add_argument(
            "--only-actionable", action="store_true", help="READY, VALIDATED and QUEUED only"
        )
        parser.add_argument("--target")
        parser.add_argument("--limit", type=int, default=100)

    def handle_inspect(self, **options: Any) -> Any:
        return queue_inspect(
            repository=repository_resolve(),
            status=options["status"],
            min_retries=options["min_retries"],
            only_actionable=options["only_actionable"],
            target=options["target"],
            limit=options["limit"],
        )

    def arguments_reset(self, parser: ArgumentParser) -> None:
        parser.add_argument("--intent-id")
        parser.add_argument("--set-status", choices=IntentStatus.values)
        parser.add_argument(
            "--clear-lock",
            action="store_true",
            help="release the repository's queue lock rows and expired claims; an advisory "
            "lock (PostgreSQL) is named, not released: only its holder's session can",
        )

    def handle_reset(self, **options: Any) -> Any:
        result = queue_reset(
            intent_id=options["intent_id"],
            actor=settings.CONVERGE_ACTOR,
            set_status=options["set_status"],
            clear_lock=options["clear_lock"],
            repository=repository_resolve(),
        )
        for lock in result.get("advisory_locks_not_released", ()):
            self.stderr.write(f"not released: advisory lock {lock['name']}: {lock['reason']}")
        return result

    def _bad(self, message: str) -> None:
        raise UsageError(message)
