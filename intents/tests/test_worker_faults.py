"""Several workers, two targets, one worker killed with SIGKILL mid-batch: nothing merges twice,
nothing is lost, the audit chain holds.

On PostgreSQL: four workers on Redis process 100 intents. On SQLite, the same scenario smaller
(three workers on the embedded broker, 24 intents): one file database serialises every write,
so the full size would only measure lock waits.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from conftest import database_env
from converge_core.synthetic import BranchSpec, build_synthetic_repo
from intents.tests.worker_helpers import (
    EXPLAINED_BY,
    FINAL,
    Db,
    Process,
    converge,
    running,
    seed_validated,
    wait_until,
    worker_env,
)

pytestmark = [pytest.mark.process, pytest.mark.slow]

TARGETS = ("main", "release")


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_merges_nothing_twice(tmp_path, request):
    on_postgres = settings.DB_BACKEND == "postgres"
    intents, workers = (100, 4) if on_postgres else (24, 3)
    # Intake would throttle a burst of 100 creations; admission is not what is tested here.
    env = {**database_env(tmp_path), "CONVERGE_FF_INTAKE_CONTROL": "0"}
    if on_postgres:
        env.update(request.getfixturevalue("redis_broker"))
    synthetic = build_synthetic_repo(
        tmp_path / "repo.git",
        packages=20,
        modules_per_package=20,
        branches=BranchSpec(clean=intents, conflicting_pairs=0, conflicts_with_main=0, wide=0),
        bare=True,
    )
    _git(synthetic.path, "branch", "release", synthetic.fork_sha)
    targets = {branch: TARGETS[n % 2] for n, branch in enumerate(synthetic.clean)}
    seed_validated(
        env,
        synthetic.path,
        [
            {"id": f"i{n:03d}", "source": branch, "target": targets[branch]}
            for n, branch in enumerate(synthetic.clean)
        ],
    )
    db = Db(env)
    env = worker_env(
        env,
        CONVERGE_WORKER_TARGET=",".join(TARGETS),
        CONVERGE_WORKER_BATCH_SIZE="10",
        CONVERGE_QUEUE_LOCK_TTL="5",  # the dead worker's lock and claim expire quickly
    )
    nodes = [f"converge-w{n}@faults" for n in range(workers)]
    processes = [Process(env, ["beat"], tmp_path, "beat")] + [
        Process(
            env, ["worker", "--no-beat", "--concurrency", "1", "--hostname", node], tmp_path, node
        )
        for node in nodes
    ]

    with running(processes):
        beat, *pool = processes

        def holding_victim() -> Process | None:
            """A worker with an intent in flight once a fifth of the intents have merged."""
            if list(db.statuses().values()).count("MERGED") < intents // 5:
                return None
            holders = list(db.claimed().values())
            for process, node in zip(pool, nodes, strict=True):
                if any(holder.startswith(f"{node}:") for holder in holders):
                    return process
            return None

        victim = wait_until(holding_victim, timeout=120, interval=0.05)
        assert victim is not None, (db.statuses(), pool[0].log_tail())
        victim.kill_group()
        merged_at_kill = list(db.statuses().values()).count("MERGED")

        settled = wait_until(
            lambda: set(db.statuses().values()) <= set(FINAL), timeout=150, interval=0.5
        )
        statuses = db.statuses()
        assert settled, ({k: v for k, v in statuses.items() if v not in FINAL}, beat.log_tail())
        survivors = [process for process in pool if process is not victim]
        assert [process.terminate() for process in survivors] == [0] * len(survivors)
        assert beat.terminate() == 0

    assert merged_at_kill < intents  # the kill landed mid-batch
    explained = {intent_id for event in EXPLAINED_BY for intent_id, _ in db.events(event)}
    unexplained = [i for i, status in statuses.items() if status != "MERGED" and i not in explained]
    assert len(statuses) == intents and unexplained == []

    for target in TARGETS:
        lines = _git(synthetic.path, "log", "--merges", "--format=%s|%P", target).splitlines()
        subjects = [line.split("|")[0] for line in lines]
        parents = [line.split("|")[1] for line in lines]
        assert len(set(subjects)) == len(subjects), "a source merged twice"
        assert len(set(parents)) == len(parents), "a merge recorded twice"
        merged_here = {
            f"converge: merge {branch} into {target}"
            for n, branch in enumerate(synthetic.clean)
            if targets[branch] == target and statuses[f"i{n:03d}"] == "MERGED"
        }
        assert set(subjects) == merged_here
    assert converge(env, "audit", "verify-chain").returncode == 0
