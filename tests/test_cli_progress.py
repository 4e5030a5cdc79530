"""Progress bars: drawn on stderr only when it is a terminal, never mixed into the JSON."""

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from conftest import database_env, git_branches
from converge_core.progress import SILENT
from interfaces.progress import BarProgress, console_progress, terminal_progress
from ledger.append import event_append
from ledger.chain import chain_verify

ROOT = Path(__file__).resolve().parent.parent
LONG_COMMANDS = [
    ["audit", "verify-chain"],
    ["audit", "rebuild-intents", "--check"],
    ["audit", "prune", "--retention-days", "1"],
    ["queue", "run"],
    ["archaeology", "report"],
    ["archaeology", "refresh"],
]


@pytest.mark.parametrize("args", LONG_COMMANDS, ids=lambda args: " ".join(args))
def test_without_a_terminal_nothing_but_json_is_written(cli, git_repo, settings, tmp_path, args):
    settings.CONVERGE_HOME = tmp_path / "home"
    git_branches(git_repo, "feature/x")
    cli("intent", "create", "--from-branch", "feature/x", "--intent-id", "x")
    assert cli("validate", "--intent-id", "x").json["decision"] == "validated"
    result = cli(*args)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert isinstance(json.loads(result.stdout), dict)


def test_a_piped_stderr_gets_no_bar(tmp_path, transactional_db):
    env = database_env(tmp_path)
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-m", "converge.cli", "audit", "verify-chain"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        assert json.loads(done.stdout)["valid"] is True


def _run_on_a_terminal(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run ``converge ARGS`` with stderr on a pseudo-terminal and stdout on a pipe."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "converge.cli", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    assert process.stdout is not None
    stdout = process.stdout.read().decode()
    process.stdout.close()
    return process.wait(timeout=60), stdout, drawn.decode(errors="replace")


def test_a_terminal_stderr_gets_the_bar_and_stdout_stays_json(tmp_path, transactional_db):
    env = {**database_env(tmp_path), "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    for _ in range(2):  # each verification records one event
        seeded = subprocess.run(
            [sys.executable, "-m", "converge.cli", "audit", "verify-chain"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            timeout=120,
        )
        assert seeded.returncode == 0
    code, stdout, drawn = _run_on_a_terminal(env, "audit", "verify-chain")
    assert code == 0, drawn
    assert json.loads(stdout)["event_count"] == 2
    assert "Verifying the audit chain" in drawn and "2/2" in drawn
    assert "\x1b[" in drawn  # drawn with terminal control sequences
    assert "Verifying" not in stdout


def test_the_bar_renders_on_a_forced_terminal(db):
    for n in range(3):
        event_append(event_type="worker.heartbeat", payload={"n": n})
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with console_progress(console) as progress:
        result = chain_verify(record=False, progress=progress)
    assert result["valid"] is True and result["event_count"] == 3
    drawn = out.getvalue()
    assert "Verifying the audit chain" in drawn and "3/3" in drawn


def test_a_line_said_during_the_bar_stays_above_it():
    out = io.StringIO()
    with console_progress(Console(file=out, force_terminal=True, width=100)) as progress:
        progress.start("Queue repo:main", 2)
        progress.say("waiting: queue lock q:repo:main is held by host:1")
        progress.advance(2)
    drawn = out.getvalue()
    assert "waiting: queue lock q:repo:main is held by host:1\n" in drawn
    assert "2/2" in drawn


def test_a_stream_that_is_not_a_terminal_gets_the_silent_progress():
    out = io.StringIO()
    with terminal_progress(out) as progress:
        progress.start("Verifying the audit chain", 3)
        progress.advance(3)
    assert progress is SILENT and not isinstance(progress, BarProgress)
    assert out.getvalue() == ""
