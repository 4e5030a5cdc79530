"""``converge harness evaluate``: score a draft intent before it is created."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings

from converge_core.prepr import MODES
from harness.prepr import draft_evaluate
from interfaces.commands import ConvergeCommand, UsageError


class Command(ConvergeCommand):
    help = "Pre-PR evaluation: how a draft intent compares with the intents in flight."
    subcommands = {
        "evaluate": "Score a draft intent (shadow: never refused; enforce: below 0.5 refused).",
    }

    def arguments_evaluate(self, parser: ArgumentParser) -> None:
        parser.add_argument("--file", required=True, help="the draft intent as JSON")
        parser.add_argument(
            "--mode", choices=MODES, help="default: the pre_eval_harness flag's mode"
        )
        parser.add_argument("--tenant-id")

    def handle_evaluate(self, **options: Any) -> Any:
        path = Path(options["file"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path} is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise UsageError(f"{path} must hold a JSON object")
        if options["tenant_id"]:
            data["tenant_id"] = options["tenant_id"]
        return draft_evaluate(data=data, mode=options["mode"], actor=settings.CONVERGE_ACTOR)

    def exit_code_for(self, result: Any) -> int:
        """An enforced refusal is the caller's: exit 2 (the result is printed all the same)."""
        return 2 if isinstance(result, dict) and result.get("passed") is False else 0
