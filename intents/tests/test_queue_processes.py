"""Two processes racing for the same queue: one merges, the other waits or finds nothing."""

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import database_env
from converge_core.tests.gitrepo import GitRepo

pytestmark = [pytest.mark.process, pytest.mark.slow]


def _converge(env, repo, *args):
    return subprocess.run(
        [sys.executable, "-m", "converge.cli", "--repo", str(repo), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.django_db(transaction=True)
def test_two_queue_runs_never_merge_an_intent_twice(tmp_path):
    repo = GitRepo.create(tmp_path / "repo")
    repo.commit("main", {"README.md": "r\n"})
    env = database_env(tmp_path)
    for n in range(6):
        repo.commit(f"feature/{n}", {f"docs/{n}.md": f"{n}\n"}, start="main")
        assert (
            _converge(
                env,
                repo.path,
                "intent",
                "create",
                "--from-branch",
                f"feature/{n}",
                "--intent-id",
                f"i{n}",
            ).returncode
            == 0
        )
        assert (
            _converge(
                env, repo.path, "validate", "--intent-id", f"i{n}", "--skip-checks"
            ).returncode
            == 0
        )

    with ThreadPoolExecutor(2) as pool:
        runs = list(
            pool.map(
                lambda _: _converge(
                    env, repo.path, "queue", "run", "--auto-confirm", "--skip-checks"
                ),
                range(2),
            )
        )

    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    merged = [
        row["intent_id"]
        for r in runs
        for row in json.loads(r.stdout)["results"]
        if row["decision"] == "merged"
    ]
    assert sorted(merged) == [f"i{n}" for n in range(6)]
    merges = repo.git("log", "--merges", "--format=%s", "main").splitlines()
    assert len(merges) == 6 and len(set(merges)) == 6
    assert _converge(env, repo.path, "audit", "verify-chain").returncode == 0
