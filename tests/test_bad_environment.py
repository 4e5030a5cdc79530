"""A bad environment value stops every entry point with one line naming it and exit 2."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = (ROOT / "converge_site" / "settings" / "base.py").read_text()
# every boolean and every choice the settings read from the registry
STRICT_WORDS = sorted(
    set(re.findall(r'strict_(?:bool|choice)\(\s*envvars\.value\("([A-Z_]+)"\)', SETTINGS))
)


def run(tmp_path: Path, variables: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONVERGE_HOME": str(tmp_path / "home"), **variables}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, *argv], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def assert_refused(done: subprocess.CompletedProcess, variable: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {variable}"), done.stderr
    assert json.loads(done.stdout)["error"]["code"] == "configuration_error"


def test_the_settings_read_the_expected_booleans_and_choices() -> None:
    assert {
        "DJANGO_DEBUG",
        "CONVERGE_DB_BACKEND",
        "CONVERGE_AUTH_REQUIRED",
        "CONVERGE_RATE_LIMIT_ENABLED",
        "CONVERGE_WORKER_AUTO_CONFIRM",
        "CONVERGE_LLM_PROVIDER",
        "CONVERGE_LOG_LEVEL",
    } <= set(STRICT_WORDS)


@pytest.mark.parametrize("variable", STRICT_WORDS)
def test_every_bad_boolean_or_choice_is_one_line_and_exit_2(tmp_path: Path, variable: str) -> None:
    done = run(tmp_path, {variable: "maybe"}, "-m", "converge.cli", "intent", "list")
    assert_refused(done, variable)
    assert "'maybe'" in done.stderr


@pytest.mark.parametrize(
    "variables,variable",
    [
        ({"CONVERGE_AUTH_REQUIRED": "maybe"}, "CONVERGE_AUTH_REQUIRED"),
        ({"CONVERGE_DB_BACKEND": "mysql"}, "CONVERGE_DB_BACKEND"),
        ({"CONVERGE_CHECK_TIMEOUT": "soon"}, "CONVERGE_CHECK_TIMEOUT"),
        ({"CONVERGE_FF_AUDIT_CHAIN": "maybe"}, "CONVERGE_FF_AUDIT_CHAIN"),
        ({"CONVERGE_FF_NOTIFICATIONS_MODE": "loud"}, "CONVERGE_FF_NOTIFICATIONS_MODE"),
    ],
)
@pytest.mark.parametrize(
    "argv",
    [
        ["-m", "converge.cli", "audit", "events"],
        ["manage.py", "audit", "events"],
        ["-m", "converge.cli", "serve", "--port", "1"],
        ["-m", "converge.cli", "worker"],
    ],
    ids=["converge", "manage.py", "serve", "worker"],
)
def test_every_entry_point_refuses_a_bad_value(
    tmp_path: Path, variables: dict[str, str], variable: str, argv: list[str]
) -> None:
    assert_refused(run(tmp_path, variables, *argv), variable)
    assert not (tmp_path / "home" / "state.db").exists()
