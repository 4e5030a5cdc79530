"""No Converge option shares a ``dest`` with Django's own command options."""

from argparse import ArgumentParser

import pytest
from django.core.management import get_commands, load_command_class

from converge.cli import COMMANDS
from interfaces.commands import DJANGO_OPTION_DESTS, ConvergeCommand, parser_dests

OURS = [
    name
    for name in COMMANDS
    if isinstance(load_command_class(get_commands()[name], name), ConvergeCommand)
]


def test_every_converge_command_is_checked() -> None:
    assert {"validate", "queue", "policy", "intent", "audit", "doctor"} <= set(OURS)


@pytest.mark.parametrize("name", OURS)
def test_no_option_of_a_command_uses_a_django_dest(name: str) -> None:
    command = load_command_class(get_commands()[name], name)
    parser = command.create_parser("converge", name)
    dests = {dest for _, dest in parser_dests(parser)}
    assert dests.isdisjoint(DJANGO_OPTION_DESTS), dests & DJANGO_OPTION_DESTS


def test_a_command_reusing_a_django_dest_is_refused() -> None:
    class Clashing(ConvergeCommand):
        subcommands = {"run": "run"}

        def arguments_run(self, parser: ArgumentParser) -> None:
            parser.add_argument("--verbosity", type=int)

    with pytest.raises(TypeError, match="'verbosity' belongs to Django's BaseCommand"):
        Clashing().create_parser("converge", "clashing")


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "--intent-id", "x", "--skip-checks"],
        ["policy", "eval", "--intent-id", "x", "--skip-checks"],
        ["queue", "run", "--skip-checks"],
    ],
)
def test_skip_checks_keeps_its_flag(args: list[str]) -> None:
    command = load_command_class(get_commands()[args[0]], args[0])
    options = vars(command.create_parser("converge", args[0]).parse_args(args[1:]))
    assert options["skip_required_checks"] is True
    without = vars(
        command.create_parser("converge", args[0]).parse_args(
            [a for a in args[1:] if a != "--skip-checks"]
        )
    )
    assert without["skip_required_checks"] is False
