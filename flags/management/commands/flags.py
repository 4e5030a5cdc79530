"""``converge flags list|set|clear``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from converge_core.strictbool import parse_bool
from flags.selectors import flag_list
from flags.services import flag_clear, flag_set
from interfaces.commands import ConvergeCommand


class Command(ConvergeCommand):
    help = "Feature flags: their state and where it comes from."
    subcommands = {
        "list": "Every flag with enabled, mode and source.",
        "set": "Override a flag at runtime (outranks the environment and flags.json).",
        "clear": "Remove a flag's runtime override.",
    }

    def arguments_list(self, parser: ArgumentParser) -> None:
        pass

    def handle_list(self, **options: Any) -> Any:
        return {"flags": [state.as_dict() for state in flag_list()]}

    def arguments_set(self, parser: ArgumentParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--enabled", help="true or false")
        parser.add_argument("--mode", help="shadow, enforce or a provider name")

    def handle_set(self, **options: Any) -> Any:
        enabled = options["enabled"]
        state = flag_set(
            name=options["name"],
            enabled=None if enabled is None else parse_bool(enabled, "--enabled"),
            mode=options["mode"],
            actor=settings.CONVERGE_ACTOR,
        )
        return state.as_dict()

    def arguments_clear(self, parser: ArgumentParser) -> None:
        parser.add_argument("name")

    def handle_clear(self, **options: Any) -> Any:
        return flag_clear(name=options["name"], actor=settings.CONVERGE_ACTOR).as_dict()
