import json

import pytest


@pytest.fixture
def healthy(git_repo, settings, tmp_path, db):
    settings.CONVERGE_HOME = tmp_path / "home"
    settings.CONVERGE_HOME.mkdir()
    return git_repo


def _checks(result):
    return {check["check"]: check for check in result.json["checks"]}


def test_a_healthy_setup_passes_every_check(cli, healthy, settings):
    settings.SECRET_KEY_GENERATED = False
    result = cli("doctor")
    assert result.exit_code == 0, result.stderr
    assert result.json["overall"] == "pass"
    assert list(_checks(result)) == [
        "environment",
        "database",
        "migrations",
        "git",
        "repository",
        "policy",
        "feature_flags",
        "audit_chain",
    ]
    assert "overall: pass" in result.stderr


def test_a_broken_policy_file_is_named(cli, healthy, settings, tmp_path):
    bad = tmp_path / "policy.json"
    bad.write_text(json.dumps({"profiles": {"low": {"containment_min": 2}}}))
    settings.CONVERGE_POLICY_PATH = str(bad)
    result = cli("doctor")
    assert result.exit_code == 1 and result.json["overall"] == "fail"
    policy = _checks(result)["policy"]
    assert policy["status"] == "fail" and "containment_min" in policy["detail"]
    assert "FAIL policy" in result.stderr


def test_a_tampered_chain_fails_with_the_event_named(cli, healthy):
    from intents.eventlog import event_append
    from intents.tests.tamper import edit_payload

    event = event_append(event_type="worker.started", payload={"pid": 1})
    edit_payload(event.id, '{"pid": 2}')
    chain = _checks(cli("doctor"))["audit_chain"]
    assert chain["status"] == "fail" and event.id in chain["detail"]
    assert "init-chain" in chain["hint"]


def test_outside_a_repository_is_a_warning(cli, healthy, settings, tmp_path):
    settings.CONVERGE_REPO_PATH = str(tmp_path)
    result = cli("doctor")
    assert _checks(result)["repository"]["status"] == "warn"
    assert result.exit_code == 0


def test_pending_migrations_fail(cli, healthy):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'intents' AND name LIKE '0005%'")
    migrations = _checks(cli("doctor"))["migrations"]
    assert migrations["status"] == "fail" and "intents.0005" in migrations["detail"]
    assert migrations["hint"] == "Run `converge migrate`"


def test_an_unreachable_database_is_reported_not_raised(tmp_path):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "CONVERGE_HOME": str(tmp_path),
        "CONVERGE_DB_BACKEND": "postgres",
        "CONVERGE_PG_DSN": "host=127.0.0.1 port=1 user=x dbname=x connect_timeout=2",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-m", "converge.cli", "doctor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    checks = {c["check"]: c for c in json.loads(done.stdout)["checks"]}
    assert checks["database"]["status"] == "fail"
    assert checks["audit_chain"]["detail"] == "skipped: the database is not usable"
