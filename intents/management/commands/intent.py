"""``converge intent create|list|status|update``."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings

from converge_core.errors import InvalidInput
from intents.choices import IntentStatus, OriginType, RiskLevel
from intents.repositories import repository_resolve
from intents.selectors import intent_list, intent_overview
from intents.serialization import intent_rows, intent_serialize
from intents.services import intent_create, intent_override_status, intent_update
from interfaces.commands import ConvergeCommand


def _read_file(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise InvalidInput(f"Cannot read {path}: {exc.strerror}", field="file") from None
    except ValueError as exc:
        raise InvalidInput(f"{path} is not valid JSON: {exc}", field="file") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} must contain a JSON object", field="file")
    return data


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
            "dependencies": options["dependencies"],
            "checks_required": options["checks_required"],
        }
        data.update({key: value for key, value in overrides.items() if value is not None})
        semantic = dict(data.get("semantic") or {})
        if options["problem"]:
            semantic["problem_statement"] = options["problem"]
        if options["objective"]:
            semantic["objective"] = options["objective"]
        if semantic:
            data["semantic"] = semantic
        actor = data.pop("created_by", None) if options["file"] else None
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
        intent = intent_update(
            intent_id=options["intent_id"],
            dependencies=options["dependencies"],
            priority=options["priority"],
            plan_id=options["plan_id"],
            actor=settings.CONVERGE_ACTOR,
        )
        return intent_serialize(intent)
