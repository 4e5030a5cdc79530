"""Shared fixtures: real git repositories, the CLI run in-process, API clients per role."""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str) -> CliResult:
    """Run ``converge ARGS`` in this process, against the test database."""
    from converge.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli(db: None) -> Any:
    return run_cli


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def git_branches(cwd: Path, *names: str) -> None:
    """Create the branches ``names`` at the current commit of the repository at ``cwd``."""
    for name in names:
        git(cwd, "branch", name)


@pytest.fixture
def git_repo(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """A work tree with one commit on ``main``, set as the repository intents belong to."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("demo\n")
    git(path, "add", "README.md")
    git(path, "commit", "-q", "-m", "initial")
    settings.CONVERGE_REPO_PATH = str(path)
    yield path


@pytest.fixture
def repository(db: None, git_repo: Path) -> Any:
    from intents.repositories import repository_resolve

    return repository_resolve(git_repo)


def database_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a ``converge`` subprocess sharing this run's database backend.

    SQLite runs get a fresh file (migrated on first use); PostgreSQL runs use the test
    database, so the calling test must use ``transactional_db``.
    """
    env = {**os.environ, "CONVERGE_HOME": str(tmp_path / "home")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if settings.DB_BACKEND == "postgres":
        db = settings.DATABASES["default"]  # already renamed to the test database
        name = db["NAME"]
        env["CONVERGE_PG_DSN"] = (
            f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} "
            f"user={db['USER'] or 'postgres'} dbname={name}"
        )
    else:
        env["CONVERGE_DB_PATH"] = str(tmp_path / "state.db")
    return env


# --- HTTP API: keys and clients per role ---------------------------------------------------
TENANT = "tenant-a"
OTHER_TENANT = "tenant-b"


def api_client(key: str | None = None) -> Any:
    """A DRF test client sending ``key`` as ``X-API-Key`` (none: anonymous)."""
    from rest_framework.test import APIClient

    client = APIClient()
    if key is not None:
        client.credentials(HTTP_X_API_KEY=key)
    return client


@pytest.fixture
def api_key(db: None) -> Any:
    """Factory: store an API key and return the raw key."""
    from access.services import api_key_create

    def make(
        role: str = "viewer",
        *,
        tenant: str | None = TENANT,
        scopes: list[str] | None = None,
        actor: str | None = None,
    ) -> str:
        _, raw = api_key_create(
            role=role, actor=actor or f"{role}-bot", tenant=tenant, scopes=scopes
        )
        return raw

    return make


@pytest.fixture
def api_anonymous(db: None) -> Any:
    return api_client()


@pytest.fixture
def api_viewer(api_key: Any) -> Any:
    return api_client(api_key("viewer"))


@pytest.fixture
def api_operator(api_key: Any) -> Any:
    return api_client(api_key("operator"))


@pytest.fixture
def api_admin(api_key: Any) -> Any:
    """An admin key bound to no tenant."""
    return api_client(api_key("admin", tenant=None))


@pytest.fixture
def api_other_tenant(api_key: Any) -> Any:
    """An operator key of another tenant."""
    return api_client(api_key("operator", tenant=OTHER_TENANT, actor="other-bot"))


@pytest.fixture
def api_wrong_scope(api_key: Any) -> Any:
    """An admin key of the tenant whose scope list holds only ``queue.read``."""
    return api_client(api_key("admin", scopes=["queue.read"], actor="scoped-bot"))
