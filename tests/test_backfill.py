"""The runbook's rollback end to end, on real PostgreSQL databases of this test's own and a real
SQLite file: data made on PostgreSQL by the CLI, backfilled to SQLite with ``--reverse``,
Converge run on SQLite (same intents, a valid chain), and back to a fresh PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from conftest import git

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "backfill_sqlite_to_pg.py"

pytestmark = [pytest.mark.slow, pytest.mark.process]


def _server() -> dict[str, Any]:
    """The PostgreSQL server of the test run (CONVERGE_PG_DSN's, else the local one)."""
    parts = conninfo_to_dict(os.environ.get("CONVERGE_PG_DSN") or "host=127.0.0.1 user=postgres")
    parts.pop("dbname", None)
    return parts


@pytest.fixture
def databases() -> Iterator[list[str]]:
    """Two empty databases named for this test only; dropped afterwards."""
    names = [f"converge_backfill_{uuid.uuid4().hex[:8]}_{side}" for side in ("a", "b")]
    admin = make_conninfo(**_server(), dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in names:
            connection.execute(f'CREATE DATABASE "{name}"')
    yield [make_conninfo(**_server(), dbname=name) for name in names]
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _env(tmp_path: Path, **database: str) -> dict[str, str]:
    env = {
        **os.environ,
        "CONVERGE_HOME": str(tmp_path / "home"),
        "CONVERGE_REPO_PATH": str(tmp_path / "repo"),
        "DJANGO_SECRET_KEY": "backfill-test-secret-key",
        **database,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _postgres(tmp_path: Path, dsn: str) -> dict[str, str]:
    return _env(tmp_path, CONVERGE_DB_BACKEND="postgres", CONVERGE_PG_DSN=dsn)


def _sqlite(tmp_path: Path, path: Path) -> dict[str, str]:
    return _env(tmp_path, CONVERGE_DB_BACKEND="sqlite", CONVERGE_DB_PATH=str(path))


def converge(env: dict[str, str], *args: str, code: int = 0) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "converge.cli", *args],
        env=env,
        cwd=env["CONVERGE_REPO_PATH"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == code, (args, done.stdout, done.stderr)
    return json.loads(done.stdout) if done.stdout.strip() else None


def backfill(env: dict[str, str], *args: str, code: int = 0) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == code, (args, done.stdout, done.stderr)
    return done


def _history(env: dict[str, str]) -> dict[str, Any]:
    """What an operator looks at after a move: intents, reviews, the log, the chain."""
    intents = converge(env, "intent", "list")
    chain = converge(env, "audit", "verify-chain")
    return {
        "intents": {row["id"]: row["status"] for row in intents},
        "reviews": sorted(
            (row["intent_id"], row["status"], row["reviewer"])
            for row in converge(env, "review", "list")
        ),
        "events": [row["id"] for row in converge(env, "audit", "events", "--limit", "1000")],
        "chain_valid": chain["valid"],
    }


def _lifecycle(tmp_path: Path, env: dict[str, str]) -> None:
    """Intents through a lifecycle on PostgreSQL: merged, queued, reviewed, overridden."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("demo\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    for name in ("feature/a", "feature/b", "feature/c"):
        git(repo, "checkout", "-q", "-b", name, "main")
        (repo / f"{name.split('/')[1]}.txt").write_text(f"{name}\n")
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", name)
    git(repo, "checkout", "-q", "main")
    converge(env, "migrate", "--noinput", "--verbosity", "0")
    for name in ("a", "b", "c"):
        converge(env, "intent", "create", "--from-branch", f"feature/{name}", "--intent-id", name)
    converge(env, "validate", "--intent-id", "a")
    converge(env, "queue", "run", "--auto-confirm", "--limit", "1")
    task = converge(env, "review", "request", "--intent-id", "b")
    converge(env, "review", "assign", "--task-id", str(task["id"]), "--reviewer", "alice")
    converge(env, "--actor", "ops", "intent", "status", "--intent-id", "c", "--status", "REJECTED")


def test_rollback_to_sqlite_and_back_again(tmp_path, databases):
    first, second = databases
    on_postgres = _postgres(tmp_path, first)
    _lifecycle(tmp_path, on_postgres)
    before = _history(on_postgres)
    assert before["intents"] == {"a": "MERGED", "b": "READY", "c": "REJECTED"}
    assert before["reviews"] == [("b", "assigned", "alice")]

    # the runbook's line: Postgres -> SQLite
    target = tmp_path / "data" / "state.db"
    done = backfill(on_postgres, "--reverse", "--source", first, "--target", str(target))
    result = json.loads(done.stdout)
    assert result["direction"] == "postgres->sqlite"
    assert result["audit_chain"]["valid"] is True
    assert result["audit_chain"]["event_count"] == len(before["events"])
    assert result["tables"]["intents_event"]["copied"] == result["audit_chain"]["event_count"]
    assert result["tables"]["intents_intent"]["copied"] == 3

    # a rerun copies nothing twice
    again = json.loads(
        backfill(on_postgres, "--reverse", "--source", first, "--target", str(target)).stdout
    )
    assert again["rows_copied"] == 0
    assert again["rows_skipped"] == result["rows_copied"] + result["rows_skipped"]

    # Converge restarted on SQLite: the same intents, reviews and events, a valid chain
    on_sqlite = _sqlite(tmp_path, target)
    after = _history(on_sqlite)
    assert after["intents"] == before["intents"]
    assert after["reviews"] == before["reviews"]
    assert set(before["events"]) < set(after["events"])
    assert after["chain_valid"] is True
    converge(on_sqlite, "intent", "status", "--intent-id", "b")

    # back again into the first database, which holds the earlier copy: refused as it is,
    # made an exact copy again with --update (the log only grew; intents and reviews changed)
    converge(on_sqlite, "intent", "status", "--intent-id", "b", "--status", "VALIDATED")
    refused = backfill(on_sqlite, "--source", str(target), "--target", first, code=1)
    assert "or --update for an earlier copy" in refused.stderr
    assert {row["id"]: row["status"] for row in converge(on_postgres, "intent", "list")} == (
        before["intents"]
    )
    logged = [row["id"] for row in converge(on_sqlite, "audit", "events", "--limit", "1000")]
    updated = json.loads(
        backfill(on_sqlite, "--update", "--source", str(target), "--target", first).stdout
    )
    assert updated["tables"]["intents_intent"]["replaced"] == 1
    assert updated["tables"]["intents_event"]["replaced"] == 0
    assert updated["audit_chain"]["valid"] is True
    now = _history(on_postgres)
    assert now["intents"] == {**before["intents"], "b": "VALIDATED"}
    assert set(logged) < set(now["events"]) and now["chain_valid"] is True
    converge(on_sqlite, "intent", "status", "--intent-id", "b", "--status", "READY")
    after = _history(on_sqlite)

    # and back again, into an empty PostgreSQL database
    done = backfill(on_sqlite, "--source", str(target), "--target", second)
    forward = json.loads(done.stdout)
    assert forward["direction"] == "sqlite->postgres"
    assert forward["audit_chain"]["valid"] is True
    on_second = _postgres(tmp_path, second)
    back = _history(on_second)
    assert back["intents"] == before["intents"]
    assert back["reviews"] == before["reviews"]
    assert set(after["events"]) < set(back["events"])
    # the sequences moved past the copied ids: new rows get fresh ones
    task = converge(on_second, "review", "request", "--intent-id", "a", "--force")
    assert task["intent_id"] == "a"


def test_a_target_with_other_rows_is_refused_and_left_as_it_was(tmp_path, databases):
    first, _ = databases
    on_postgres = _postgres(tmp_path, first)
    _lifecycle(tmp_path, on_postgres)
    target = tmp_path / "state.db"
    backfill(on_postgres, "--reverse", "--source", first, "--target", str(target))
    # the copy lives on: its own events now differ from the source's chain
    on_sqlite = _sqlite(tmp_path, target)
    converge(on_sqlite, "intent", "status", "--intent-id", "b", "--status", "REJECTED")
    converge(on_postgres, "intent", "status", "--intent-id", "b", "--status", "VALIDATED")
    events = converge(on_sqlite, "audit", "events", "--limit", "1000")
    done = backfill(on_postgres, "--reverse", "--source", first, "--target", str(target), code=1)
    assert "conflict" in done.stderr and "nothing was written" in done.stderr
    assert json.loads(done.stdout)["error"]["message"] == done.stderr.strip()
    # --update replaces changed rows, never a diverged log
    done = backfill(
        on_postgres, "--update", "--reverse", "--source", first, "--target", str(target), code=1
    )
    assert "conflict" in done.stderr and "nothing was written" in done.stderr
    assert converge(on_sqlite, "audit", "events", "--limit", "1000") == events
    assert {row["id"]: row["status"] for row in converge(on_sqlite, "intent", "list")}["b"] == (
        "REJECTED"
    )


def test_clear_errors_for_unreachable_or_missing_sources(tmp_path):
    env = _env(tmp_path)
    (tmp_path / "repo").mkdir()
    unreachable = "postgresql://postgres@127.0.0.1:1/nowhere"
    done = backfill(
        env, "--reverse", "--source", unreachable, "--target", str(tmp_path / "t.db"), code=1
    )
    assert done.stderr.startswith("source database unreachable")
    assert not (tmp_path / "t.db").exists()
    done = backfill(env, "--source", str(tmp_path / "missing.db"), "--target", unreachable, code=2)
    assert "source SQLite database not found" in done.stderr
    assert not (tmp_path / "missing.db").exists()
    without_dsn = {key: value for key, value in env.items() if key != "CONVERGE_PG_DSN"}
    done = backfill(without_dsn, "--reverse", "--target", str(tmp_path / "t.db"), code=2)
    assert done.stderr.startswith("no PostgreSQL DSN")
