"""``converge semantic``: the semantic index (status, index, reindex) and conflict triage
(conflicts, conflict-list, conflict-resolve)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from converge_core.semantic import CONFLICT_THRESHOLD, SIMILARITY_THRESHOLD
from interfaces.commands import ConvergeCommand
from semantic.conflicts import MODES, conflict_resolve, conflict_scan
from semantic.index import index_one, index_status, reindex
from semantic.providers import available_providers
from semantic.selectors import active_conflicts
from semantic.serialization import conflict_serialize


class Command(ConvergeCommand):
    help = "Semantic index of intents and the conflicts between in-flight intents."
    subcommands = {
        "status": "Index coverage: intents with a vector, stale vectors, the latest model.",
        "index": "Embed one intent (skipped while its vector is up to date).",
        "reindex": "Embed every intent whose vector is missing or stale.",
        "conflicts": "Scan in-flight intents for conflicts and record the new ones.",
        "conflict-list": "Open conflicts, highest score first.",
        "conflict-resolve": "Close a conflict (or acknowledge a pair) with a reason.",
    }

    def _provider(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--provider",
            choices=available_providers(),
            help="embedding provider (default: the semantic_embeddings_model flag's mode)",
        )

    def arguments_status(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")
        parser.add_argument("--model", help="count only vectors of this model")

    def handle_status(self, **options: Any) -> Any:
        return index_status(tenant_id=options["tenant_id"], model=options["model"])

    def arguments_index(self, parser: ArgumentParser) -> None:
        parser.add_argument("--intent-id", required=True)
        self._provider(parser)
        parser.add_argument("--force", action="store_true", help="embed even if up to date")

    def handle_index(self, **options: Any) -> Any:
        return index_one(
            intent_id=options["intent_id"],
            provider=options["provider"],
            force=options["force"],
            actor=settings.CONVERGE_ACTOR,
        )

    def arguments_reindex(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")
        self._provider(parser)
        parser.add_argument("--force", action="store_true", help="embed every intent again")
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be embedded; write nothing"
        )

    def handle_reindex(self, **options: Any) -> Any:
        with self.progress() as progress:
            return reindex(
                tenant_id=options["tenant_id"],
                provider=options["provider"],
                force=options["force"],
                dry_run=options["dry_run"],
                actor=settings.CONVERGE_ACTOR,
                progress=progress,
            )

    def arguments_conflicts(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")
        parser.add_argument("--target", help="only in-flight intents of this target branch")
        parser.add_argument("--model", help="vectors of this model (default: the active one)")
        parser.add_argument("--similarity-threshold", type=float, default=SIMILARITY_THRESHOLD)
        parser.add_argument("--conflict-threshold", type=float, default=CONFLICT_THRESHOLD)
        parser.add_argument(
            "--mode", choices=MODES, help="shadow or enforce (default: the flag's mode)"
        )

    def handle_conflicts(self, **options: Any) -> Any:
        return conflict_scan(
            tenant_id=options["tenant_id"],
            target=options["target"],
            model=options["model"],
            similarity_threshold=options["similarity_threshold"],
            conflict_threshold=options["conflict_threshold"],
            mode=options["mode"],
            actor=settings.CONVERGE_ACTOR,
        )

    def arguments_conflict_list(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")
        parser.add_argument("--limit", type=int, default=50)

    def handle_conflict_list(self, **options: Any) -> Any:
        rows = active_conflicts(tenant_id=options["tenant_id"], limit=max(options["limit"], 0))
        return [conflict_serialize(row) for row in rows]

    def arguments_conflict_resolve(self, parser: ArgumentParser) -> None:
        parser.add_argument("--intent-a", required=True)
        parser.add_argument("--intent-b", required=True)
        parser.add_argument("--resolution", default="acknowledged", help="why (free text)")
        parser.add_argument("--tenant-id")

    def handle_conflict_resolve(self, **options: Any) -> Any:
        return conflict_resolve(
            intent_a=options["intent_a"],
            intent_b=options["intent_b"],
            resolution=options["resolution"],
            tenant_id=options["tenant_id"],
            actor=settings.CONVERGE_ACTOR,
        )

    def exit_code_for(self, result: Any) -> int:
        if not isinstance(result, dict):
            return 0
        if result.get("status") == "error":
            return 2  # an unknown intent id
        if "dry_run" in result and result.get("total") == 0:
            return 1  # reindex found nothing to index
        return 0
