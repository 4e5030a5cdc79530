"""``converge intent create|list|status|update``.

The services that write (and the git engine behind them) are imported by the handlers that
use them, so ``list`` and ``status`` start with the read side alone.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from converge_core.errors import InvalidInput
from converge_core.jsonlimits import PayloadTooLarge, TooDeep, loads_bounded, read_bounded
from intents.choices import IntentStatus, OriginType, RiskLevel
from intents.cleaning import clean_label
from intents.selectors import intent_list, intent_overview
from intents.serialization import intent_rows, intent_serialize
from interfaces.commands import ConvergeCommand


def _read_file(path: str) -> dict[str, Any]:
    """The JSON object of an intent file, within the API's body limits (decisions §41)."""
    try:
        with open(path, "rb") as stream:
            raw = read_bounded(stream, settings.CONVERGE_MAX_BODY_BYTES)
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path}: {exc.strerror}", field="file") from None
    except PayloadTooLarge as exc:
        message = f"{path} is larger than {settings.CONVERGE_MAX_BODY_BYTES} bytes"
        raise PayloadTooLarge(message, field="file", **exc.extra) from None
    try:
        data = loads_bounded(raw.decode("utf-8"))
    except TooDeep as exc:
        raise InvalidInput(f"{path}: {exc.message}", field="file") from None
    except ValueError as exc:
        raise InvalidInput(f"{path} is not valid JSON: {exc}", field="file") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} must contain a JSON object", field="file")
    return data


def _split(value: str | None) -> list[str] | None:
    """A comma-separated option as a list (``''`` is the empty list)."""
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


class Command(ConvergeCommand):
    help = "Intents: proposed merges of a source branch into a target."
    subcommands = {
        "create": "Create a READY intent from a branch or a JSON file.",
        "list": "List intents in queue order.",
        "status": "Show an intent (or, with --status, override its status as administrator).",
        "update": "Change an active intent's dependencies, priority or plan.",
    }

    def arguments_create(self, parser: ArgumentParser) -> None:
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--file", help="JSON file with the intent's fields")
        source.add_argument("--from-branch", help="source branch of the intent")
        parser.add_argument("--intent-id", help="id (default branch-<hex12>)")
        parser.add_argument("--target", help="target branch (default main)")
        parser.add_argument("--risk-level", choices=RiskLevel.values)
        parser.add_argument("--priority", type=int, help="1 (highest) to 5 (default 3)")
        parser.add_argument("--tenant-id")
        parser.add_argument("--origin-type", choices=OriginType.values)
        parser.add_argument("--plan-id")
        parser.add_argument("--dependencies", help="comma-separated intent ids")
        parser.add_argument("--checks-required", help="comma-separated check names")
        parser.add_argument("--problem", help="problem statement (semantic.problem_statement)")
        parser.add_argument("--objective", help="objective (semantic.objective)")

    def handle_create(self, **options: Any) -> Any:
        if options["file"]:
            data = _read_file(options["file"])
            prefix = "intent"
        elif options["from_branch"]:
            data = {"source": options["from_branch"]}
            prefix = "branch"
        else:
            raise InvalidInput("Either --file or --from-branch is required")
        overrides = {
            "id": options["intent_id"],
            "target": options["target"],
            "risk_level": options["risk_level"],
            "priority": options["priority"],
            "tenant_id": options["tenant_id"],
            "origin_type": options["origin_type"],
            "plan_id": options["plan_id"],
            "dependencies": _split(options["dependencies"]),
            "checks_required": _split(options["checks_required"]),
        }
        if options["intent_id"]:
            data.pop("intent_id", None)  # the flag overrides the file's id, whichever key it used
        data.update({key: value for key, value in overrides.items() if value is not None})
        flags = {"problem_statement": options["problem"], "objective": options["objective"]}
        flags = {key: value for key, value in flags.items() if value}
        if flags:  # a semantic that is not an object is left for the validation to refuse
            semantic = data.get("semantic") or {}
            data["semantic"] = {**semantic, **flags} if isinstance(semantic, dict) else semantic
        actor = clean_label(data.pop("created_by", None), "created_by") if options["file"] else None
        from intents.repositories import repository_resolve
        from intents.services import intent_create

        intent = intent_create(
            data=data,
            repository=repository_resolve(),
            actor=actor or settings.CONVERGE_ACTOR,
            default_id_prefix=prefix,
            require_known_source=True,
        )
        return {"ok": True, "intent_id": intent.id, "status": intent.status}

    def arguments_list(self, parser: ArgumentParser) -> None:
        parser.add_argument("--status", choices=IntentStatus.values)
        parser.add_argument("--tenant-id")
        parser.add_argument("--target")
        parser.add_argument("--plan-id")
        parser.add_argument("--limit", type=int, default=200)

    def handle_list(self, **options: Any) -> Any:
        if not 1 <= options["limit"] <= 10_000:
            raise InvalidInput("--limit must be between 1 and 10000", field="limit")
        intents = intent_list(
            status=options["status"],
            tenant_id=options["tenant_id"],
            target=options["target"],
            plan_id=options["plan_id"],
            limit=options["limit"],
        )
        return intent_rows(intents)

    def arguments_status(self, parser: ArgumentParser) -> None:
        parser.add_argument("--intent-id", required=True)
        parser.add_argument(
            "--status",
            choices=IntentStatus.values,
            help="administrator override: set this status (recorded as an override)",
        )
        parser.add_argument("--reason", default="", help="why the status is overridden")

    def handle_status(self, **options: Any) -> Any:
        if options["status"] is None:
            return intent_overview(options["intent_id"])
        before = intent_overview(options["intent_id"])["intent"]["status"]
        from intents.services import intent_override_status

        intent = intent_override_status(
            intent_id=options["intent_id"],
            status=options["status"],
            actor=settings.CONVERGE_ACTOR,
            reason=options["reason"],
        )
        return {"intent_id": intent.id, "status": intent.status, "previous_status": before}

    def arguments_update(self, parser: ArgumentParser) -> None:
        parser.add_argument("--intent-id", required=True)
        parser.add_argument("--dependencies", help="comma-separated ids ('' clears them)")
        parser.add_argument("--priority", type=int)
        parser.add_argument("--plan-id")

    def handle_update(self, **options: Any) -> Any:
        given = {
            "dependencies": _split(options["dependencies"]),
            "priority": options["priority"],
            "plan_id": options["plan_id"],
        }
        changes = {field: value for field, value in given.items() if value is not None}
        if not changes:
            raise InvalidInput("Nothing to update: give --dependencies, --priority or --plan-id")
        from intents.services import intent_update

        intent = intent_update(
            intent_id=options["intent_id"], changes=changes, actor=settings.CONVERGE_ACTOR
        )
        return intent_serialize(intent)
