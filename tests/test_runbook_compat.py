import os
import subprocess
import sys

import pytest

from conftest import database_env


@pytest.mark.django_db(transaction=True)
def test_event_log_init_prints_ok_on_a_ready_database(tmp_path):
    env = database_env(tmp_path)
    # a first command migrates an embedded database; PostgreSQL is already migrated here
    subprocess.run(
        [sys.executable, "-m", "converge.cli", "flags", "list"],
        env=env,
        check=True,
        capture_output=True,
    )
    code = "from converge import event_log; event_log.init(); print('OK')"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "OK", done.stderr


def test_event_log_init_fails_clearly_when_the_database_is_unreachable(tmp_path):
    env = {
        **os.environ,
        "CONVERGE_HOME": str(tmp_path),
        "CONVERGE_DB_BACKEND": "postgres",
        "CONVERGE_PG_DSN": "host=127.0.0.1 port=1 user=nobody dbname=none connect_timeout=2",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    code = "from converge import event_log; event_log.init(); print('OK')"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode != 0 and "Database unavailable" in done.stderr
