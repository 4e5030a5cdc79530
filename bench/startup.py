"""CLI start-up against its floor: a bare ``django.setup()`` with minimal settings.

Every command runs in a fresh process; the rounds interleave the floor and the commands, so a
loaded machine slows them alike, and each figure is the median of its rounds: wall time, and
the CPU time (user + system) the process used, which a loaded machine disturbs far less. The
module count is what ``python -X importtime`` lists (one process each; independent of load).
"""

from __future__ import annotations

import os
import resource
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE_SETUP = (
    "import django\n"
    "from django.conf import settings\n"
    "settings.configure(INSTALLED_APPS=['django.contrib.contenttypes', 'django.contrib.auth'],"
    " DATABASES={'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': ':memory:'}})\n"
    "django.setup()\n"
)


@dataclass(frozen=True)
class Timed:
    label: str
    argv: tuple[str, ...]
    median_s: float
    cpu_s: float
    modules: int


def python_argv(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def converge_argv(cmd: str | None) -> list[str]:
    """The CLI to measure: ``--cmd`` (a shell-quoted command line) or this tree's Converge."""
    return shlex.split(cmd) if cmd else [sys.executable, "-m", "converge.cli"]


def module_count(argv: Sequence[str], env: Mapping[str, str], cwd: Path = ROOT) -> int:
    """Modules a Python process imports (``-X importtime``); 0 for a non-Python command."""
    if Path(argv[0]).name.startswith("python"):
        argv = [argv[0], "-X", "importtime", *argv[1:]]
        done = subprocess.run(argv, env=dict(env), capture_output=True, text=True, cwd=cwd)
        return sum(1 for line in done.stderr.splitlines() if line.startswith("import time:")) - 1
    return 0


def interleaved(
    commands: Mapping[str, Sequence[str]],
    env: Mapping[str, str],
    rounds: int = 7,
    cwd: Path = ROOT,
) -> list[Timed]:
    """Median wall time of each command over ``rounds`` interleaved rounds."""
    samples: dict[str, list[float]] = {label: [] for label in commands}
    cpu: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(rounds):
        for label, argv in commands.items():
            before = children_cpu()
            started = time.perf_counter()
            done = subprocess.run(list(argv), env=dict(env), capture_output=True, cwd=cwd)
            samples[label].append(time.perf_counter() - started)
            cpu[label].append(children_cpu() - before)
            if done.returncode != 0:
                raise RuntimeError(f"{label} failed: {done.stderr.decode()[-2000:]}")
    return [
        Timed(
            label,
            tuple(argv),
            statistics.median(samples[label]),
            statistics.median(cpu[label]),
            module_count(argv, env, cwd),
        )
        for label, argv in commands.items()
    ]


def children_cpu() -> float:
    """CPU seconds (user + system) of every child process waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def startup_commands(cmd: str | None, intent_id: str) -> dict[str, list[str]]:
    cli = converge_argv(cmd)
    return {
        "bare django.setup()": python_argv(BARE_SETUP),
        "converge --help": [*cli, "--help"],
        "intent status": [*cli, "intent", "status", "--intent-id", intent_id],
        "intent list --limit 20": [*cli, "intent", "list", "--limit", "20"],
    }


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cmd", help="another CLI to run the same commands with")
    parser.add_argument("--intent-id", required=True, help="an intent of the current database")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rows = interleaved(startup_commands(args.cmd, args.intent_id), os.environ, args.rounds)
    floor, cpu_floor = rows[0].median_s, rows[0].cpu_s
    for row in rows:
        print(
            f"{row.label:<24} wall {row.median_s * 1000:>7.0f} ms ×{row.median_s / floor:>5.2f}"
            f"  cpu {row.cpu_s * 1000:>6.0f} ms ×{row.cpu_s / cpu_floor:>5.2f}"
            f"  {row.modules:>4} modules"
        )


if __name__ == "__main__":
    main()
