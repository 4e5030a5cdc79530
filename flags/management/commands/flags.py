"""``converge flags list``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from converge_site.commands import ConvergeCommand
from flags.selectors import flag_list


class Command(ConvergeCommand):
    help = "Feature flags: their state and where it comes from."
    subcommands = {"list": "Every flag with enabled, mode and source."}

    def arguments_list(self, parser: ArgumentParser) -> None:
        pass

    def handle_list(self, **options: Any) -> Any:
        return {"flags": [state.as_dict() for state in flag_list()]}
