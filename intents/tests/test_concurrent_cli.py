"""Parallel ``converge`` processes writing at once: none fails, the chain still verifies."""

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import database_env, git_branches

pytestmark = [pytest.mark.process, pytest.mark.slow]

WRITERS = 4
INTENTS_EACH = 5


def _converge(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "converge.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _writer(env, repo, index):
    results = []
    for n in range(INTENTS_EACH):
        results.append(
            _converge(
                env,
                "--repo",
                str(repo),
                "intent",
                "create",
                "--from-branch",
                f"feature/{index}-{n}",
                "--intent-id",
                f"w{index}-{n}",
            )
        )
    return results


@pytest.mark.django_db(transaction=True)
def test_four_processes_creating_intents_at_once_all_succeed(git_repo, tmp_path):
    env = database_env(tmp_path)
    git_branches(
        git_repo, *(f"feature/{i}-{n}" for i in range(WRITERS) for n in range(INTENTS_EACH))
    )
    with ThreadPoolExecutor(WRITERS) as pool:
        batches = list(pool.map(lambda i: _writer(env, git_repo, i), range(WRITERS)))
    failures = [r.stderr for batch in batches for r in batch if r.returncode != 0]
    assert failures == []

    listed = _converge(env, "intent", "list", "--limit", "100")
    assert len(json.loads(listed.stdout)) == WRITERS * INTENTS_EACH
    verified = _converge(env, "audit", "verify-chain")
    assert verified.returncode == 0, verified.stdout
    assert json.loads(verified.stdout)["event_count"] == 2 * WRITERS * INTENTS_EACH  # + intake
