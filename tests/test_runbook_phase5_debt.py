"""Runbook phase 5: ``verification debt`` prints every field and band the runbook lists."""

from datetime import timedelta

import pytest
from django.utils import timezone

from intents.tests.factories import IntentFactory
from ledger.tests.factories import events
from reviews.tests.factories import ReviewTaskFactory
from tests.runbook import runbook_env, runbook_line

CHECK_DEBT = "converge --db $CONVERGE_DB_PATH verification debt"


@pytest.fixture(autouse=True)
def deployment(monkeypatch, tmp_path):
    runbook_env(monkeypatch, tmp_path)


def test_check_debt_prints_the_score_its_parts_and_status(cli):
    old = timezone.now() - timedelta(hours=30)
    for _ in range(10):
        intent = IntentFactory(created_at=old, retries=1)
    for _ in range(10):
        ReviewTaskFactory(intent=intent)
    events("simulation.completed", [{"mergeable": False}] * 2)

    result = runbook_line(cli, CHECK_DEBT)

    assert result.exit_code == 0
    debt = result.json
    assert (debt["debt_score"], debt["status"]) == (79.5, "red")
    assert (debt["staleness_score"], debt["queue_pressure_score"]) == (25.0, 4.0)
    assert (debt["review_backlog_score"], debt["conflict_pressure_score"]) == (25.0, 10.5)
    assert debt["retry_pressure_score"] == 15.0
    assert debt["breakdown"]["stale_hours_threshold"] == 24.0


@pytest.mark.parametrize(("retried", "status"), [(0, "green"), (10, "yellow")])
def test_the_status_bands(cli, retried, status):
    old = timezone.now() - timedelta(hours=30)
    for n in range(10):  # staleness 25 + queue 4 = 29, plus retries 15 = 44
        IntentFactory(created_at=old, retries=1 if n < retried else 0)
    assert runbook_line(cli, CHECK_DEBT).json["status"] == status


def test_the_tenant_scoped_variant_of_the_endpoint(cli):
    IntentFactory(tenant_id="x")
    debt = runbook_line(cli, CHECK_DEBT + " --tenant-id x").json
    assert (debt["tenant_id"], debt["breakdown"]["active_intents"]) == ("x", 1)
