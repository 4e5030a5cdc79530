"""``converge merge confirm``: record a merge made outside Converge."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from intents.queue import merge_confirm
from interfaces.commands import ConvergeCommand


class Command(ConvergeCommand):
    help = "Merges made elsewhere."
    subcommands = {"confirm": "Mark a VALIDATED or QUEUED intent MERGED (e.g. merged on GitHub)."}

    def arguments_confirm(self, parser: ArgumentParser) -> None:
        parser.add_argument("--intent-id", required=True)
        parser.add_argument("--merged-commit", help="the merge commit's full 40-hex SHA")

    def handle_confirm(self, **options: Any) -> Any:
        return merge_confirm(
            intent_id=options["intent_id"],
            merged_commit=options["merged_commit"],
            actor=settings.CONVERGE_ACTOR,
        )
