"""``converge queue run|inspect|reset|position|jump|pause|resume|analytics``."""

from __future__ import annotations

import signal
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.utils import timezone

from converge_core.queue import parse_targets
from converge_core.queuestats import parse_since
from intents.choices import IntentStatus
from intents.cleaning import clean_ref
from intents.locks import lock_describe
from intents.queue import QueueOptions, default_target, queue_inspect, queue_reset, queue_run
from intents.queue.analytics import queue_analytics
from intents.queue.controls import queue_jump, queue_pause, queue_resume
from intents.queue.position import intent_queue_position, queue_list
from intents.repositories import repository_resolve
from intents.selectors import intent_get
from interfaces.commands import ConvergeCommand, UsageError


class Command(ConvergeCommand):
    help = "The merge queue: process it, inspect it, reset intents and locks."
    subcommands = {
        "run": "Revalidate (and with --auto-confirm merge) queued intents in priority order.",
        "inspect": "Intents in queue order, the queue locks and the paused or frozen targets.",
        "reset": "Zero an intent's retries (--set-status); --clear-lock releases the locks.",
        "position": "An intent's position in its queue and its ETA (or why it left the queue).",
        "list": "Every queue of the repository with positions, ETAs, pauses and freezes.",
        "jump": "Put an intent at the head of its queue, tested alone (operator; recorded).",
        "pause": "Stop merging on a target (it keeps validating); recorded with the reason.",
        "resume": "Merge again on a paused target; recorded.",
        "analytics": "Merges, blocks by gate, batches, bisections, checks, flaky checks, waits.",
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

    def arguments_position(self, parser: ArgumentParser) -> None:
        parser.add_argument("--intent-id", required=True)

    def handle_position(self, **options: Any) -> Any:
        intent = intent_get(options["intent_id"])
        return {"intent_id": intent.id, **intent_queue_position(intent)}

    def arguments_list(self, parser: ArgumentParser) -> None:
        pass

    def handle_list(self, **options: Any) -> Any:
        return queue_list(repository=repository_resolve())

    def arguments_jump(self, parser: ArgumentParser) -> None:
        parser.add_argument("--intent-id", required=True)
        parser.add_argument("--reason", required=True, help="why it goes first (recorded)")

    def handle_jump(self, **options: Any) -> Any:
        return queue_jump(
            intent_id=options["intent_id"],
            reason=self._reason(options["reason"]),
            actor=settings.CONVERGE_ACTOR,
        )

    def arguments_pause(self, parser: ArgumentParser) -> None:
        parser.add_argument("--target", help="branch (default main)")
        parser.add_argument("--reason", required=True, help="why it is paused (recorded)")

    def handle_pause(self, **options: Any) -> Any:
        return queue_pause(
            repository=repository_resolve(),
            target=clean_ref(options["target"] or default_target(), "target"),
            reason=self._reason(options["reason"]),
            actor=settings.CONVERGE_ACTOR,
        )

    def arguments_resume(self, parser: ArgumentParser) -> None:
        parser.add_argument("--target", help="branch (default main)")
        parser.add_argument("--reason", default="", help="a note recorded with the resume")

    def handle_resume(self, **options: Any) -> Any:
        return queue_resume(
            repository=repository_resolve(),
            target=clean_ref(options["target"] or default_target(), "target"),
            reason=options["reason"].strip(),
            actor=settings.CONVERGE_ACTOR,
        )

    def arguments_analytics(self, parser: ArgumentParser) -> None:
        parser.add_argument("--since", help="ISO-8601 timestamp or a span: 24h, 7d (default 7d)")

    def handle_analytics(self, **options: Any) -> Any:
        since = options["since"]
        return queue_analytics(
            repository=repository_resolve(),
            since=parse_since(since, timezone.now()) if since else None,
        )

    def _reason(self, value: str) -> str:
        if not value.strip():
            self._bad("--reason must not be empty")
        return value.strip()

    def _bad(self, message: str) -> None:
        raise UsageError(message)
