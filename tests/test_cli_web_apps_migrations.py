"""A command starts without the web server's apps, and a home it migrated first is completed by
the first process that installs every app: every migration applied, every content type there."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.process, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent

# Django set up with every app (as `serve` and the worker start): what is pending, then what is
# there once the database is made ready.
FULL_PROCESS = """
import json, os
import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "converge_site.settings")
django.setup()
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from interfaces.dbready import ensure_database_ready, pending_migrations

pending = sorted({app for app, _ in pending_migrations()})
ensure_database_ready()
print(json.dumps({
    "pending": pending,
    "after": sorted(pending_migrations()),
    "logentry": ContentType.objects.filter(app_label="admin", model="logentry").exists(),
    "operate_queue": Permission.objects.filter(
        content_type__app_label="intents", codename="operate_queue"
    ).exists(),
}))
"""

# The command's own process: which apps it installed.
INSTALLED = """
import json, sys
from django.apps import apps
from converge.cli import main

code = main(["intent", "list"])
print(json.dumps({"code": code, "apps": [config.label for config in apps.get_app_configs()]}))
"""


def _python(env: dict[str, str], script: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_home_a_command_migrated_is_completed_by_the_web_server(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CONVERGE_HOME": str(tmp_path / "home"),
        "CONVERGE_DB_BACKEND": "sqlite",
        "CONVERGE_LOG_LEVEL": "WARNING",
    }
    env.pop("CONVERGE_DB_PATH", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)

    command = _python(env, INSTALLED)
    full = _python(env, FULL_PROCESS)

    assert command["code"] == 0
    assert "intents" in command["apps"] and "ledger" in command["apps"]
    assert not {"admin", "sessions", "messages", "staticfiles", "rest_framework"} & set(
        command["apps"]
    )
    assert full["pending"] == ["admin", "sessions"]
    assert full["after"] == []
    assert full["logentry"] is True
    assert full["operate_queue"] is True
