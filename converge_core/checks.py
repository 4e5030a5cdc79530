"""Running one check command against a materialised tree.

Commands come from the ``checks`` map of the policy (an argument list or a shlex-split
string). They run without a shell, with a minimal environment, a timeout and an output limit
that keeps the *tail* of the combined output, which is where failures usually are.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

PASSED = "passed"
FAILED = "failed"
TIMEOUT = "timeout"
NOT_CONFIGURED = "not_configured"
SKIPPED = "skipped"


class CheckRunState(StrEnum):
    """A queued check run of one tree: waiting for a runner, running, or one outcome."""

    PENDING = "pending"
    RUNNING = "running"
    PASSED = PASSED
    FAILED = FAILED
    TIMEOUT = TIMEOUT
    NOT_CONFIGURED = NOT_CONFIGURED


_ENV_KEEP = ("PATH", "LANG", "LC_ALL", "TZ", "VIRTUAL_ENV")


@dataclass(frozen=True)
class CheckOutcome:
    check_type: str
    status: str
    details: str = ""
    duration_ms: int = 0
    exit_code: int | None = None

    @property
    def passed(self) -> bool:
        return self.status in (PASSED, SKIPPED, NOT_CONFIGURED)

    def to_payload(self) -> dict[str, Any]:
        """The ``check.completed`` payload."""
        return {
            "check_type": self.check_type,
            "passed": self.status == PASSED,
            "status": self.status,
            "details": self.details,
            "duration_ms": self.duration_ms,
            "exit_code": self.exit_code,
        }


def command_argv(command: str | Sequence[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def _tail(text: str, limit: int) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def minimal_environment(workdir: Path) -> dict[str, str]:
    env = {key: os.environ[key] for key in _ENV_KEEP if key in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env["HOME"] = str(workdir)
    return env


def run_check(
    name: str,
    command: str | Sequence[str] | None,
    *,
    cwd: Path | None,
    timeout: float,
    output_limit: int,
) -> CheckOutcome:
    """Run one check in ``cwd`` (the merged tree; ``None`` only when no check has a command);
    a missing command is ``not_configured``, never silently skipped."""
    if not command or cwd is None:
        return CheckOutcome(name, NOT_CONFIGURED, "no command configured for this check")
    argv = command_argv(command)
    started = time.monotonic()
    try:
        completed = subprocess.run(
            argv,
            cwd=cwd,
            env=minimal_environment(cwd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        output = (exc.output or b"").decode(errors="replace")
        elapsed = int((time.monotonic() - started) * 1000)
        details = _tail(f"timed out after {timeout:g} seconds\n{output}", output_limit)
        return CheckOutcome(name, TIMEOUT, details, elapsed)
    except OSError as exc:
        elapsed = int((time.monotonic() - started) * 1000)
        return CheckOutcome(name, FAILED, f"cannot run {argv[0]!r}: {exc.strerror}", elapsed)
    elapsed = int((time.monotonic() - started) * 1000)
    output = completed.stdout.decode(errors="replace")
    status = PASSED if completed.returncode == 0 else FAILED
    return CheckOutcome(name, status, _tail(output, output_limit), elapsed, completed.returncode)
