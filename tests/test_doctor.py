import json

import pytest


@pytest.fixture
def healthy(git_repo, settings, tmp_path, db):
    settings.CONVERGE_HOME = tmp_path / "home"
    settings.CONVERGE_HOME.mkdir()
    settings.CONVERGE_REVIEW_POOL = "alice,bob"
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
        "audit_chain",
        "queue_locks",
        "feature_flags",
        "review_pool",
        "llm_advisor",
        "security_tools",
        "semantic_index",
        "broker",
        "cache",
        "worker",
        "github_app",
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
    from intents.tests.tamper import edit_payload
    from ledger.append import event_append

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


def test_a_missing_review_pool_warns_with_a_hint(cli, healthy, settings):
    settings.SECRET_KEY_GENERATED = False
    settings.CONVERGE_REVIEW_POOL = ""
    result = cli("doctor")
    assert result.exit_code == 0 and result.json["overall"] == "warn"
    pool = _checks(result)["review_pool"]
    assert pool["status"] == "warn" and "CONVERGE_REVIEW_POOL is not set" in pool["detail"]
    assert pool["hint"] == "Set CONVERGE_REVIEW_POOL to a comma list of reviewers"


def test_the_review_pool_line_shows_the_open_load(cli, healthy):
    from reviews.tests.factories import ReviewTaskFactory

    ReviewTaskFactory(status="assigned", reviewer="bob")
    pool = _checks(cli("doctor"))["review_pool"]
    assert pool == {
        "check": "review_pool",
        "status": "pass",
        "detail": "2 reviewer(s): alice, bob (open: alice 0, bob 1)",
    }


def test_flags_name_their_runtime_overrides(cli, healthy):
    from flags.services import flag_set

    flag_set(name="notifications", enabled=True, actor="ops")
    flags = _checks(cli("doctor"))["feature_flags"]
    assert flags["status"] == "pass"
    assert flags["detail"] == "16/19 enabled; runtime overrides: notifications"


def test_an_enabled_advisor_without_a_provider_warns(cli, healthy, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_LLM_REVIEW_ADVISOR", "1")
    advisor = _checks(cli("doctor"))["llm_advisor"]
    assert advisor["status"] == "warn" and "CONVERGE_LLM_API_KEY" in advisor["hint"]


def test_an_unreachable_redis_broker_fails_naming_it(cli, healthy, settings):
    settings.CELERY_BROKER_URL = "redis://:s3cret@127.0.0.1:1/0"
    result = cli("doctor")
    assert result.exit_code == 1 and result.json["overall"] == "fail"
    broker = _checks(result)["broker"]
    assert broker["status"] == "fail"
    assert broker["detail"].startswith("redis://:**@127.0.0.1:1/0 unreachable: ")
    assert "s3cret" not in result.stdout + result.stderr
    assert "CONVERGE_BROKER_URL" in broker["hint"]


def test_the_embedded_broker_needs_writable_folders(cli, healthy, settings, tmp_path):
    from converge_site.broker import EMBEDDED_TRANSPORT, transport_options

    folders = transport_options(tmp_path / "broker")
    settings.CELERY_BROKER_TRANSPORT = EMBEDDED_TRANSPORT
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = folders
    assert _checks(cli("doctor"))["broker"]["status"] == "pass"
    (tmp_path / "blocked").write_text("a file, not a folder")
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        **folders,
        "claimed_folder": str(tmp_path / "blocked" / "claimed"),
    }
    broker = _checks(cli("doctor"))["broker"]
    assert broker["status"] == "fail"
    assert broker["detail"] == (
        f"embedded broker folder(s) not writable: {tmp_path / 'blocked' / 'claimed'}"
    )


def test_the_embedded_broker_passes_a_message_through_and_counts_what_it_holds(
    cli, healthy, settings, tmp_path
):
    from converge_site.broker import EMBEDDED_TRANSPORT, transport_options

    folders = transport_options(tmp_path / "broker")
    settings.CELERY_BROKER_TRANSPORT = EMBEDDED_TRANSPORT
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = folders
    broker = _checks(cli("doctor"))["broker"]
    assert broker == {
        "check": "broker",
        "status": "pass",
        "detail": f"embedded broker in {tmp_path / 'broker'}: 0 waiting, 0 claimed by workers",
    }
    # The test message left nothing behind.
    assert [list((tmp_path / "broker" / name).iterdir()) for name in ("messages", "claimed")] == [
        [],
        [],
    ]


def test_the_embedded_broker_warns_of_set_aside_and_stale_messages(
    cli, healthy, settings, tmp_path
):
    import os
    import time

    from converge_site.broker import CLAIM_TIMEOUT_SECONDS, EMBEDDED_TRANSPORT, transport_options

    folders = transport_options(tmp_path / "broker")
    settings.CELERY_BROKER_TRANSPORT = EMBEDDED_TRANSPORT
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = folders
    claimed = tmp_path / "broker" / "claimed"
    claimed.mkdir(parents=True)
    old = time.time() - CLAIM_TIMEOUT_SECONDS - 1
    for name in ("1_a.default.msg", "2_b.default.msg"):
        (claimed / name).write_text("{}")
    os.utime(claimed / "1_a.default.msg", (old, old))
    broker = _checks(cli("doctor"))["broker"]
    assert broker["status"] == "warn"
    assert broker["detail"].endswith("0 waiting, 2 claimed by workers; 1 claimed for over 3600 s")
    assert "embedded-broker-sweep" in broker["hint"]

    damaged = tmp_path / "broker" / "damaged"
    (damaged / "3_c.default.msg").write_text('{"bo')
    broker = _checks(cli("doctor"))["broker"]
    assert broker["status"] == "warn"
    assert broker["detail"].endswith("; 1 unreadable message(s) set aside")
    assert str(damaged) in broker["hint"]


def test_an_unreachable_cache_fails(cli, healthy, settings):
    settings.CONVERGE_CACHE_URL = "redis://:s3cret@127.0.0.1:1/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.CONVERGE_CACHE_URL,
        }
    }
    result = cli("doctor")
    cache = _checks(result)["cache"]
    assert cache["status"] == "fail" and cache["detail"].startswith("redis://:**@127.0.0.1:1/0: ")
    assert "s3cret" not in result.stdout


def test_a_fresh_sqlite_file_is_migrated_first(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "CONVERGE_HOME": str(tmp_path / "home"), "CONVERGE_DB_BACKEND": "sqlite"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("CONVERGE_DB_PATH", None)
    path = tmp_path / "fresh" / "state.db"

    def doctor():
        done = subprocess.run(
            [sys.executable, "-m", "converge.cli", "--db", str(path), "doctor"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        return done.returncode, {c["check"]: c for c in json.loads(done.stdout)["checks"]}

    code, checks = doctor()
    assert code == 0, checks
    assert checks["database"] == {
        "check": "database",
        "status": "pass",
        "detail": f"{path} (new: migrated)",
    }
    assert checks["migrations"]["status"] == "pass"
    assert checks["audit_chain"]["detail"] == "0 events intact"
    assert checks["cache"]["status"] == "pass"
    code, checks = doctor()
    assert code == 0 and checks["database"]["detail"] == str(path)
