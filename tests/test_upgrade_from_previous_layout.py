"""A database made before the event log, access and read models moved apps upgrades in place.

The fixtures are dumps of databases that the previous layout created and used (the demo, a
review, an intake override, compliance thresholds, a flag override, two API keys, a verified
chain). Migrating them must keep every event, verify the chain before and after, and move the
old ``security`` history to ``access``, so that the scans app now called ``security`` starts
from its first migration and creates its tables beside the old API-key table.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

FIXTURES = Path(__file__).parent / "fixtures" / "upgrade"
ROOT = Path(__file__).resolve().parent.parent
SECURITY_MIGRATIONS = sorted(path.stem for path in (ROOT / "security" / "migrations").glob("0*.py"))
pytestmark = pytest.mark.process


def converge(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "converge.cli", *args],
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_upgraded(rows: dict[str, list[tuple[str, ...]]], events_before: int) -> None:
    assert ("access", "0001_initial") in rows["migrations"]
    # the only ``security`` history is the scans app's own, applied from its first migration
    assert sorted(row for row in rows["migrations"] if row[0] == "security") == [
        ("security", name) for name in SECURITY_MIGRATIONS
    ]
    assert {"security_securityscan", "security_securityfinding"} <= set(rows["tables"])
    assert ("security", "securityscan") in rows["content_types"]
    assert ("ledger", "0001_initial") in rows["migrations"]
    assert ("intents", "0006_event_log_to_ledger") in rows["migrations"]
    assert ("access", "apikey") in rows["content_types"]
    assert rows["api_keys"] == [("admin",), ("operator",)]
    # every old event is still there, plus the two verifications of this test
    assert rows["events"][0][0] == events_before + 1


def sqlite_rows(path: Path) -> dict[str, list[tuple[str, ...]]]:
    with sqlite3.connect(path) as db:
        return {
            "migrations": db.execute("SELECT app, name FROM django_migrations").fetchall(),
            "content_types": db.execute(
                "SELECT app_label, model FROM django_content_type"
            ).fetchall(),
            "api_keys": db.execute("SELECT role FROM security_apikey ORDER BY role").fetchall(),
            "events": db.execute("SELECT COUNT(*) FROM intents_event").fetchall(),
            "tables": [
                row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            ],
        }


@pytest.mark.skipif(settings.DB_BACKEND != "sqlite", reason="the SQLite upgrade runs once")
def test_sqlite_database_of_the_previous_layout_upgrades_with_its_chain_intact(tmp_path):
    database = tmp_path / "state.db"
    with sqlite3.connect(database) as db:
        db.executescript((FIXTURES / "main.sqlite.sql").read_text())
        events_before = db.execute("SELECT COUNT(*) FROM intents_event").fetchone()[0]
    env = {
        "CONVERGE_HOME": str(tmp_path),
        "CONVERGE_DB_BACKEND": "sqlite",
        "CONVERGE_DB_PATH": str(database),
    }
    # the first command migrates the embedded database, then verifies
    done = converge(env, "audit", "verify-chain")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["valid"] is True
    rows = sqlite_rows(database)
    assert_upgraded(rows, events_before)
    listed = converge(env, "audit", "events", "--type", "intent.created")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 6
    # the scans app's tables answer on the upgraded database
    summary = converge(env, "security", "summary")
    assert summary.returncode == 0, summary.stderr
    assert json.loads(summary.stdout) == {"finding_counts": {"total": 0}, "recent_scans": []}


@pytest.mark.skipif(settings.DB_BACKEND != "postgres", reason="the PostgreSQL upgrade runs once")
def test_postgres_database_of_the_previous_layout_upgrades_with_its_chain_intact(tmp_path):
    psql = shutil.which("psql")
    assert psql, "psql is needed to load the PostgreSQL fixture"
    admin_dsn = settings.DATABASES["default"]
    params = {
        "host": admin_dsn.get("HOST") or "127.0.0.1",
        "port": str(admin_dsn.get("PORT") or 5432),
        "user": admin_dsn.get("USER") or "postgres",
    }
    name = f"converge_upgrade_{os.getpid()}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        loaded = subprocess.run(
            [
                psql,
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                params["host"],
                "-p",
                params["port"],
                "-U",
                params["user"],
                "-d",
                name,
                "-f",
                str(FIXTURES / "main.postgres.sql"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert loaded.returncode == 0, loaded.stderr
        dsn = f"postgresql://{params['user']}@{params['host']}:{params['port']}/{name}"
        env = {
            "CONVERGE_HOME": str(tmp_path),
            "CONVERGE_DB_BACKEND": "postgres",
            "CONVERGE_PG_DSN": dsn,
        }
        with psycopg.connect(dsn) as db:
            events_before = db.execute("SELECT COUNT(*) FROM intents_event").fetchone()[0]
        before = converge(env, "audit", "verify-chain")
        # an unmigrated PostgreSQL database is a clear error naming the command
        assert before.returncode == 1 and "converge migrate" in before.stderr
        migrated = converge(env, "migrate")
        assert migrated.returncode == 0, migrated.stderr
        done = converge(env, "audit", "verify-chain")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["valid"] is True
        with psycopg.connect(dsn) as db:
            rows = {
                "migrations": db.execute("SELECT app, name FROM django_migrations").fetchall(),
                "content_types": db.execute(
                    "SELECT app_label, model FROM django_content_type"
                ).fetchall(),
                "api_keys": db.execute("SELECT role FROM security_apikey ORDER BY role").fetchall(),
                "events": db.execute("SELECT COUNT(*) FROM intents_event").fetchall(),
                "tables": [
                    row[0]
                    for row in db.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    )
                ],
            }
            # the append-only trigger survived the move
            with pytest.raises(psycopg.errors.RaiseException):
                db.execute("UPDATE intents_event SET event_type = 'x' WHERE seq = 1")
        assert_upgraded(rows, events_before)
        summary = converge(env, "security", "summary")
        assert summary.returncode == 0, summary.stderr
        assert json.loads(summary.stdout)["finding_counts"] == {"total": 0}
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
