"""A toggle made through flag_set reaches a process that is already running."""

import json
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import database_env

pytestmark = [pytest.mark.process, pytest.mark.slow]

WATCHER = textwrap.dedent(
    """
    import sys, time
    import django
    django.setup()
    from flags.selectors import flag_is_enabled
    print(flag_is_enabled("notifications"), flush=True)
    sys.stdin.readline()
    started = time.monotonic()
    while not flag_is_enabled("notifications") and time.monotonic() - started < 20:
        time.sleep(0.1)
    print(flag_is_enabled("notifications"), round(time.monotonic() - started, 1), flush=True)
    """
)


def _converge(env, *args):
    return subprocess.run(
        [sys.executable, "-m", "converge.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_a_running_process_sees_a_toggle_within_the_cache_time(tmp_path):
    env = {
        **database_env(tmp_path),
        "DJANGO_SETTINGS_MODULE": "converge_site.settings",
        "CONVERGE_FLAG_CACHE_SECONDS": "1",
    }
    assert _converge(env, "flags", "list").returncode == 0  # migrates an embedded database
    watcher = subprocess.Popen(
        [sys.executable, "-c", WATCHER],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert watcher.stdout.readline().strip() == "False"
        toggled = _converge(
            env, "--actor", "ops", "flags", "set", "notifications", "--enabled", "1"
        )
        assert toggled.returncode == 0, toggled.stderr
        began = time.monotonic()
        watcher.stdin.write("go\n")
        watcher.stdin.flush()
        seen, _ = watcher.stdout.readline().split()
        assert seen == "True" and time.monotonic() - began < 10
    finally:
        watcher.kill()
        watcher.wait()

    listed = {f["name"]: f for f in json.loads(_converge(env, "flags", "list").stdout)["flags"]}
    assert listed["notifications"]["enabled"] is True
    assert listed["notifications"]["source"] == "api"
