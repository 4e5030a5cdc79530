"""A read command imports what it reads with, and little beyond a bare ``django.setup()``.

No Celery (the app is loaded by what sends a task), no DRF views or serializers, no URL conf,
no admin modules, no metrics client, no graph or machine-learning library; and at most
``EXTRA_BUDGET`` modules more than Django set up with contenttypes and auth alone.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.startup import BARE_SETUP

pytestmark = [pytest.mark.process, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent

# Modules a read command imports beyond the bare set-up (about 110 today: the project's models,
# choices and the command itself); every installed app adds a few.
EXTRA_BUDGET = 170
FORBIDDEN_PACKAGES = (
    "celery",
    "kombu",
    "billiard",
    "rest_framework.views",
    "rest_framework.serializers",
    "drf_spectacular.openapi",
    "django.contrib.admin.views.main",
    "converge_site.urls",
    "converge_site.api",
    "converge_site.celery",
    "prometheus_client",
    "networkx",
    "numpy",
    "torch",
    "sentence_transformers",
    "github",
)


def _forbidden(module: str) -> bool:
    """``module`` is a forbidden package or inside one (``github``, not ``github_app``)."""
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN_PACKAGES)


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


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["intent", "list", "--limit", "20"], 0),
        (["intent", "status", "--intent-id", "missing"], 2),
    ],
)
def test_a_read_command_stays_within_its_import_budget(tmp_path, argv, code):
    env = {
        **os.environ,
        "CONVERGE_HOME": str(tmp_path / "home"),
        "CONVERGE_DB_BACKEND": "sqlite",
        "CONVERGE_LOG_LEVEL": "WARNING",
    }
    env.pop("CONVERGE_DB_PATH", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "-m", "converge.cli", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        check=True,
        timeout=600,
    )
    _, bare = _modules(BARE_DUMP, [], env, tmp_path / "bare.json")

    returned, modules = _modules(DUMP, argv, env, tmp_path / "cli.json")

    assert returned == code
    assert sorted(name for name in modules if _forbidden(name)) == []
    project_admin = [
        name for name in modules if name.endswith(".admin") and not name.startswith("django.")
    ]
    assert project_admin == []
    extra = modules - bare
    assert len(extra) <= EXTRA_BUDGET, sorted(extra)
