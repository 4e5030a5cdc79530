"""The beat schedule and the worker's environment, read the way every process reads them."""

from __future__ import annotations

import re
import runpy
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from converge_site.celery import app as celery_app
from converge_site.envvars import REGISTRY
from converge_site.settings import base as base_settings

KEBAB = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
WORKER_VARIABLES = [
    var.name for var in REGISTRY if var.name.startswith(("CONVERGE_WORKER_", "CONVERGE_BROKER_"))
]


@pytest.fixture
def read_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    """Evaluate ``settings/base.py`` afresh with the given worker variables (others unset)."""

    def read(**env: str) -> dict[str, Any]:
        for name in [*WORKER_VARIABLES, "CONVERGE_MAX_RETRIES"]:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("CONVERGE_HOME", str(tmp_path))
        monkeypatch.setenv("DJANGO_SECRET_KEY", "schedule-test")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(base_settings.__file__, run_name="settings_probe")

    return read


def cadences(schedule: dict[str, dict[str, Any]]) -> dict[str, float]:
    return {name: entry["schedule"].total_seconds() for name, entry in schedule.items()}


def test_every_entry_is_kebab_case_names_a_task_and_expires_within_its_interval():
    celery_app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert KEBAB.fullmatch(name), name
        assert entry["task"] in celery_app.tasks, entry["task"]
        assert isinstance(entry["schedule"], timedelta)
        assert 0 < entry["options"]["expires"] <= entry["schedule"].total_seconds(), name


def test_default_cadences(read_settings):
    values = read_settings()

    assert cadences(values["CELERY_BEAT_SCHEDULE"]) == {
        "validate-ready-intents": 5.0,
        "process-queues": 5.0,
        "security-prescan": 5.0,
        "worker-heartbeat": 50.0,
        "embedded-broker-sweep": 3600.0,
        "notification-redrive": 60.0,
        "review-analysis-redrive": 300.0,
        "review-sweep": 900.0,
        "operations-snapshots": 300.0,
        "github-sweep": 60.0,
        "github-safety-fetch": 1800.0,
        "semantic-index-pending": 60.0,
        "semantic-conflict-scan": 600.0,
    }
    assert values["CONVERGE_WORKER_BATCH_SIZE"] == 20
    assert values["CONVERGE_WORKER_TARGETS"] == ["main"]
    assert values["CONVERGE_WORKER_AUTO_CONFIRM"] is False
    assert values["CONVERGE_WORKER_SKIP_CHECKS"] is False
    assert values["CONVERGE_WORKER_MAX_RETRIES"] is None


def test_cadences_follow_the_poll_interval_and_prune_is_opt_in(read_settings):
    values = read_settings(
        CONVERGE_WORKER_POLL_INTERVAL="1",
        CONVERGE_WORKER_HEARTBEAT_CYCLES="3",
        CONVERGE_WORKER_PRUNE_INTERVAL_CYCLES="600",
        CONVERGE_WORKER_PRUNE_RETENTION_DAYS="30",
    )

    schedule = values["CELERY_BEAT_SCHEDULE"]
    assert cadences(schedule) == {
        "validate-ready-intents": 1.0,
        "process-queues": 1.0,
        "security-prescan": 1.0,
        "worker-heartbeat": 3.0,
        "audit-prune": 600.0,
        "embedded-broker-sweep": 3600.0,
        "notification-redrive": 60.0,
        "review-analysis-redrive": 300.0,
        "review-sweep": 900.0,
        "operations-snapshots": 300.0,
        "github-sweep": 60.0,
        "github-safety-fetch": 1800.0,
        "semantic-index-pending": 60.0,
        "semantic-conflict-scan": 600.0,
    }
    assert schedule["audit-prune"]["args"] == (30,)
    assert all(e["options"]["expires"] <= e["schedule"].total_seconds() for e in schedule.values())


def test_a_heartbeat_of_zero_cycles_removes_its_entry(read_settings):
    values = read_settings(CONVERGE_WORKER_HEARTBEAT_CYCLES="0")
    assert "worker-heartbeat" not in values["CELERY_BEAT_SCHEDULE"]


def test_without_a_broker_url_the_broker_is_embedded_under_the_home(read_settings, tmp_path):
    values = read_settings()

    assert values["CELERY_BROKER_TRANSPORT"] == "converge_site.broker:EmbeddedTransport"
    options = values["CELERY_BROKER_TRANSPORT_OPTIONS"]
    assert options == {
        "data_folder_in": str(tmp_path / "broker" / "messages"),
        "data_folder_out": str(tmp_path / "broker" / "messages"),
        "staging_folder": str(tmp_path / "broker" / "staging"),
        "claimed_folder": str(tmp_path / "broker" / "claimed"),
        "damaged_folder": str(tmp_path / "broker" / "damaged"),
        "control_folder": str(tmp_path / "broker" / "control"),
        "polling_interval": 0.1,
    }


def test_a_redis_broker_url_with_a_key_prefix(read_settings):
    values = read_settings(
        CONVERGE_BROKER_URL="redis://127.0.0.1:6379/3", CONVERGE_BROKER_KEY_PREFIX="staging:"
    )

    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/3"
    assert values["CELERY_BROKER_TRANSPORT"] is None
    assert values["CELERY_BROKER_TRANSPORT_OPTIONS"] == {
        "visibility_timeout": 3600,
        "global_keyprefix": "staging:",
    }
    assert "embedded-broker-sweep" not in values["CELERY_BEAT_SCHEDULE"]


@pytest.mark.parametrize("word", ["1", "true", "YES", "On"])
def test_true_words_turn_auto_confirm_on(read_settings, word):
    assert read_settings(CONVERGE_WORKER_AUTO_CONFIRM=word)["CONVERGE_WORKER_AUTO_CONFIRM"] is True


@pytest.mark.parametrize("word", ["0", "false", "No", "OFF"])
def test_false_words_turn_skip_checks_off(read_settings, word):
    assert read_settings(CONVERGE_WORKER_SKIP_CHECKS=word)["CONVERGE_WORKER_SKIP_CHECKS"] is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONVERGE_WORKER_AUTO_CONFIRM", "maybe"),
        ("CONVERGE_WORKER_AUTO_CONFIRM", ""),
        ("CONVERGE_WORKER_SKIP_CHECKS", "2"),
        ("CONVERGE_WORKER_FRESH_SIMULATION", "enabled"),
        ("CONVERGE_WORKER_POLL_INTERVAL", "soon"),
        ("CONVERGE_WORKER_POLL_INTERVAL", "0"),
        ("CONVERGE_WORKER_BATCH_SIZE", "0"),
        ("CONVERGE_WORKER_MAX_RETRIES", "0"),
        ("CONVERGE_WORKER_HEARTBEAT_CYCLES", "ten"),
        ("CONVERGE_WORKER_CONCURRENCY", "0"),
    ],
)
def test_a_bad_value_stops_the_start_naming_the_variable(read_settings, name, value):
    with pytest.raises(ImproperlyConfigured, match=name):
        read_settings(**{name: value})


@pytest.mark.parametrize(
    ("value", "targets"),
    [("main", ["main"]), (" main, release ,main", ["main", "release"]), ("*", None)],
)
def test_worker_targets(read_settings, value, targets):
    assert read_settings(CONVERGE_WORKER_TARGET=value)["CONVERGE_WORKER_TARGETS"] == targets


def test_the_worker_reads_its_own_max_retries(read_settings):
    values = read_settings(CONVERGE_WORKER_MAX_RETRIES="5", CONVERGE_MAX_RETRIES="2")
    assert values["CONVERGE_WORKER_MAX_RETRIES"] == 5
    assert values["CONVERGE_MAX_RETRIES"] == 2
