import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands

from converge.cli import COMMANDS, main

ROOT = Path(__file__).resolve().parent.parent
OWN_APPS = {
    "intents",
    "flags",
    "converge_site",
    "reviews",
    "security",
    "intake",
    "insights",
    "access",
    "semantic",
    "harness",
    "agents",
    "exports",
}
DJANGO_COMMANDS_SHOWN = {"migrate", "createsuperuser"}


def test_help_lists_exactly_the_commands_that_exist():
    ours = {name for name, app in get_commands().items() if app in OWN_APPS}
    assert set(COMMANDS) == ours | DJANGO_COMMANDS_SHOWN


def test_short_help_shows_essentials_and_help_all_shows_everything(capsys):
    assert main(["--help"]) == 0
    short = capsys.readouterr().out
    listed = {
        line.split()[0]
        for line in short.splitlines()
        if line.startswith("  ") and not line.strip().startswith("-")
    }
    assert "intent" in listed and "audit" not in listed and "--help-all" in short
    assert main(["--help-all"]) == 0
    full = capsys.readouterr().out
    assert all(name in full for name in COMMANDS)


@pytest.mark.slow
def test_every_group_answers_help_with_exit_0():
    for name in COMMANDS:
        done = subprocess.run(
            [sys.executable, "-m", "converge.cli", name, "--help"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert done.returncode == 0, (name, done.stderr)
        assert "usage:" in done.stdout


def test_db_given_a_command_name_is_explained(capsys):
    assert main(["--db", "audit"]) == 2
    assert "is $CONVERGE_DB_PATH empty?" in capsys.readouterr().err


def test_help_does_not_import_django():
    code = (
        "import sys; from converge.cli import main; main(['--help']); "
        "print('django' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == "False"
