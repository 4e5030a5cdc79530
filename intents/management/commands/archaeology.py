"""``converge archaeology [report]|refresh``: history analysis stored per repository."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings

from intents.archaeology import archaeology_snapshot
from intents.repositories import repository_resolve
from interfaces.commands import ConvergeCommand


class Command(ConvergeCommand):
    help = "History analysis: hotspots, co-change coupling and bus factor (stored per repository)."
    subcommands = {
        "report": "Analyse history and store a snapshot (--write-snapshot also writes a file).",
        "refresh": "Regenerate and validate the snapshot file (exit 1 when invalid).",
    }

    def dispatch(self, options: dict[str, Any]) -> Any:
        if not options.get("subcommand"):  # ``archaeology`` alone is the report
            options = {
                **options,
                "subcommand": "report",
                "max_commits": 400,
                "top": 20,
                "write_snapshot": None,
            }
        return super().dispatch(options)

    def arguments_report(self, parser: ArgumentParser) -> None:
        parser.add_argument("--max-commits", type=int, default=400)
        parser.add_argument("--top", type=int, default=20)
        parser.add_argument("--write-snapshot", metavar="PATH")

    def handle_report(self, **options: Any) -> Any:
        with self.progress() as progress:
            return archaeology_snapshot(
                repository_resolve(),
                max_commits=options["max_commits"],
                top=options["top"],
                path=options["write_snapshot"],
                progress=progress,
            )

    def arguments_refresh(self, parser: ArgumentParser) -> None:
        parser.add_argument("--max-commits", type=int, default=400)
        parser.add_argument("--output", help="default $CONVERGE_HOME/archaeology_snapshot.json")

    def handle_refresh(self, **options: Any) -> Any:
        output = options["output"] or Path(settings.CONVERGE_HOME) / "archaeology_snapshot.json"
        with self.progress() as progress:
            result = archaeology_snapshot(
                repository_resolve(),
                max_commits=options["max_commits"],
                path=str(output),
                progress=progress,
            )
        summary = {
            "valid": result["valid"],
            "path": str(output),
            "commits_analyzed": result.get("commits_analyzed", 0),
            "hotspot_count": len(result.get("hotspots", [])),
            "coupling_count": len(result.get("coupling", [])),
            "author_count": len(result.get("authors", [])),
            "bus_factor": result.get("bus_factor", 0),
            "issues": result["issues"],
            "timestamp": result.get("timestamp"),
        }
        if not result["valid"]:
            self.stderr.write(f"error: invalid snapshot: {'; '.join(result['issues'])}")
        return summary

    def exit_code_for(self, result: Any) -> int:
        return 1 if isinstance(result, dict) and result.get("valid") is False else 0
