"""``converge audit events|verify-chain|init-chain|prune|rebuild-intents``."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from converge_core.errors import InvalidInput
from flags.selectors import flag_is_enabled
from intents.rebuild import intents_rebuild
from intents.retention import audit_prune
from intents.selectors import event_list
from interfaces.commands import ConvergeCommand
from ledger.chain import chain_init, chain_verify
from ledger.serialization import event_serialize


def _timestamp(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise InvalidInput(f"{name} must be an ISO-8601 timestamp, got {value!r}", field=name)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


class Command(ConvergeCommand):
    help = "The append-only event log and its tamper-evident hash chain."
    subcommands = {
        "events": "Events newest first, filtered.",
        "verify-chain": "Verify every event's hash and link (exit 3 when broken).",
        "init-chain": "Report an intact chain, or reseal a broken one (the break stays listed).",
        "prune": "Delete old events of finished intents, keeping a checkpoint.",
        "rebuild-intents": "Rebuild the intents table from the log (--check only compares).",
    }

    def arguments_events(self, parser: ArgumentParser) -> None:
        parser.add_argument("--type", dest="event_type")
        parser.add_argument("--intent-id")
        parser.add_argument("--agent-id")
        parser.add_argument("--tenant-id")
        parser.add_argument("--since", help="ISO-8601 timestamp (inclusive)")
        parser.add_argument("--until", help="ISO-8601 timestamp (inclusive)")
        parser.add_argument("--limit", type=int, default=100)

    def handle_events(self, **options: Any) -> Any:
        if not 1 <= options["limit"] <= 10_000:
            raise InvalidInput("--limit must be between 1 and 10000", field="limit")
        events = event_list(
            event_type=options["event_type"],
            intent_id=options["intent_id"],
            agent_id=options["agent_id"],
            tenant_id=options["tenant_id"],
            since=_timestamp(options["since"], "since"),
            until=_timestamp(options["until"], "until"),
            limit=options["limit"],
        )
        return [event_serialize(event) for event in events]

    def arguments_verify_chain(self, parser: ArgumentParser) -> None:
        pass

    def handle_verify_chain(self, **options: Any) -> Any:
        with self.progress() as progress:
            result = chain_verify(enabled=flag_is_enabled("audit_chain"), progress=progress)
        if not result["valid"]:
            self.stderr.write(f"error: audit chain broken: {result['reason']}")
        return result

    def exit_code_for(self, result: Any) -> int:
        if isinstance(result, dict) and result.get("valid") is False:
            return 3
        return 0

    def arguments_init_chain(self, parser: ArgumentParser) -> None:
        pass

    def handle_init_chain(self, **options: Any) -> Any:
        return chain_init()

    def arguments_prune(self, parser: ArgumentParser) -> None:
        parser.add_argument("--retention-days", type=int, default=90)
        parser.add_argument("--tenant-id")
        parser.add_argument("--dry-run", action="store_true")

    def handle_prune(self, **options: Any) -> Any:
        with self.progress() as progress:
            return audit_prune(
                retention_days=options["retention_days"],
                tenant_id=options["tenant_id"],
                dry_run=options["dry_run"],
                progress=progress,
            )

    def arguments_rebuild_intents(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="compare only (exit 3 on a difference)"
        )

    def handle_rebuild_intents(self, **options: Any) -> Any:
        with self.progress() as progress:
            result = intents_rebuild(check=options["check"], progress=progress)
        if options["check"] and not result["matches"]:
            count = result["difference_count"]
            self.stderr.write(f"error: intents table differs from the log for {count} intent(s)")
            result["valid"] = False
        return result
