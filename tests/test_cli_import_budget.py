"""A command imports what it runs with, and little beyond a bare ``django.setup()``.

No command that serves no pages imports the web server's apps (the console, DRF, its schema,
CORS), Celery (the app is loaded by what sends a task), the URL conf, admin modules, the
metrics client, PyGithub and its HTTP stack (loaded by what talks to GitHub), or a
machine-learning library. Only ``validate`` builds the risk graph with networkx. Each command
imports at most its budget of modules more than Django set up with contenttypes and auth alone.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.startup import BARE_SETUP
from conftest import git

pytestmark = [pytest.mark.process, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN_PACKAGES = (
    "celery",
    "kombu",
    "billiard",
    "amqp",
    "rest_framework",
    "drf_spectacular",
    "corsheaders.middleware",
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "converge_site.urls",
    "converge_site.api",
    "converge_site.celery",
    "converge_site.console",
    "prometheus_client",
    "numpy",
    "torch",
    "sentence_transformers",
    "github",
    "requests",
    "urllib3",
    "jwt",
    "yaml",
)
GRAPH_PACKAGES = ("networkx",)

# Modules a command imports beyond the bare set-up: reads about 110 to 140 today (the project's
# models and choices, the command, the details hooks of ``intent status``), ``intent create``
# about 150 (the services, the git engine, admission), ``validate`` about 200 besides networkx
# (the pipeline, the policy, the gates and the after-decision hooks).
READ_BUDGET = 160
CREATE_BUDGET = 180
VALIDATE_BUDGET = 240


def _inside(module: str, packages: tuple[str, ...]) -> bool:
    """``module`` is one of ``packages`` or inside one (``github``, not ``github_app``)."""
    return any(module == name or module.startswith(name + ".") for name in packages)


# Runs a command in-process and writes the names of every module it imported to argv[1].
DUMP = """
import json, sys
from converge.cli import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as handle:
    json.dump(sorted(sys.modules), handle)
sys.exit(code)
"""
BARE_DUMP = BARE_SETUP + (
    "import json, sys\njson.dump(sorted(sys.modules), open(sys.argv[1], 'w'))\n"
)


def _modules(script: str, argv: list[str], env: dict[str, str], out: Path) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(out), *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.exists(), done.stderr
    return done.returncode, set(json.loads(out.read_text()))


def _converge(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "converge.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
        timeout=600,
    )


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """A migrated SQLite home, a repository with two branches, and the READY intent ``ready``."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text("demo\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "initial")
    for branch in ("feature/ready", "feature/new"):
        git(repo, "checkout", "-q", "-b", branch, "main")
        (repo / f"{branch.replace('/', '-')}.txt").write_text(f"{branch}\n")
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", branch)
    git(repo, "checkout", "-q", "main")
    env = {
        **os.environ,
        "CONVERGE_HOME": str(tmp_path / "home"),
        "CONVERGE_DB_BACKEND": "sqlite",
        "CONVERGE_LOG_LEVEL": "WARNING",
        "CONVERGE_REPO_PATH": str(repo),
    }
    env.pop("CONVERGE_DB_PATH", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _converge(env, "migrate")
    _converge(env, "intent", "create", "--from-branch", "feature/ready", "--intent-id", "ready")
    return env


@pytest.mark.parametrize(
    ("argv", "code", "budget", "builds_graph"),
    [
        (["intent", "list", "--limit", "20"], 0, READ_BUDGET, False),
        (["intent", "status", "--intent-id", "ready"], 0, READ_BUDGET, False),
        (["intent", "status", "--intent-id", "missing"], 2, READ_BUDGET, False),
        (
            ["intent", "create", "--from-branch", "feature/new", "--intent-id", "new"],
            0,
            CREATE_BUDGET,
            False,
        ),
        (["validate", "--intent-id", "ready", "--skip-checks"], 0, VALIDATE_BUDGET, True),
    ],
)
def test_a_command_stays_within_its_import_budget(
    tmp_path: Path,
    cli_env: dict[str, str],
    argv: list[str],
    code: int,
    budget: int,
    builds_graph: bool,
) -> None:
    _, bare = _modules(BARE_DUMP, [], cli_env, tmp_path / "bare.json")

    returned, modules = _modules(DUMP, argv, cli_env, tmp_path / "cli.json")

    assert returned == code
    assert sorted(name for name in modules if _inside(name, FORBIDDEN_PACKAGES)) == []
    graph = {name for name in modules if _inside(name, GRAPH_PACKAGES)}
    assert builds_graph or not graph, sorted(graph)[:5]
    project_admin = [
        name for name in modules if name.endswith(".admin") and not name.startswith("django.")
    ]
    assert project_admin == []
    extra = modules - bare - graph
    assert len(extra) <= budget, sorted(extra)
