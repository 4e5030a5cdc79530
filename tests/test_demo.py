"""`make run`'s demo tells its story end to end on a fresh home."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.process, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def test_the_demo_merges_everything_and_explains_it(tmp_path):
    env = {**os.environ, "CONVERGE_HOME": str(tmp_path / "home"), "CONVERGE_DB_BACKEND": "sqlite"}
    env.pop("CONVERGE_DB_PATH", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "scripts/demo.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "a cycle is refused: Dependency cycle: schema → frontend → backend → schema" in out
    assert "timeout-b  speculative_conflict Conflicts with timeout-a ahead in the queue" in out
    assert sum(1 for line in out.splitlines() if line.split()[1:2] == ["merged"]) == 6
    assert "git status: clean" in out
    assert "audit chain: intact" in out
