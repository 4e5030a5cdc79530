"""A fresh install with the shipped defaults (no check configured) takes a burst of new intents
in auto mode: unverified checks are reported in the debt, not scored as staleness."""

import pytest

from converge_core.tests.gitrepo import GitRepo
from insights.debt import debt_snapshot
from intake.selectors import intake_status
from intents.models import Intent
from intents.repositories import repository_resolve
from intents.tests.queue_helpers import validated_intent
from ledger.models import Event

BURST = 50


@pytest.fixture
def fresh_install(db, tmp_path, settings, monkeypatch):
    repo = GitRepo.create(tmp_path / "repo")
    repo.commit("main", {"README.md": "demo\n"})
    settings.CONVERGE_REPO_PATH = str(repo.path)
    settings.CONVERGE_HOME = tmp_path / "home"  # no policy.json: the built-in defaults
    monkeypatch.delenv("CONVERGE_POLICY_PATH", raising=False)
    monkeypatch.chdir(tmp_path)
    return repo, repository_resolve(repo.path)


def test_fifty_new_intents_in_a_minute_stay_open(fresh_install):
    repo, repository = fresh_install
    for n in range(BURST):
        validated_intent(repository, repo, f"burst-{n:02d}", {f"pkg{n % 5}/mod{n:02d}.py": "x\n"})

    admissions = Event.objects.filter(event_type__startswith="intake.")
    assert admissions.count() == BURST
    assert {(e.event_type, e.payload["mode"]) for e in admissions} == {("intake.accepted", "open")}
    assert Intent.objects.filter(status="VALIDATED").count() == BURST
    unverified = list(Intent.objects.values_list("unverified_checks", flat=True))
    assert unverified == [["lint"]] * BURST  # the shipped checks map is empty

    debt = debt_snapshot()
    assert debt["breakdown"]["unverified_intents"] == BURST
    assert (debt["breakdown"]["stale_intents"], debt["staleness_score"]) == (0, 0.0)
    assert (debt["debt_score"], debt["status"]) == (20.0, "green")  # queue pressure only
    status = intake_status()
    assert (status["mode"], status["auto_mode"], status["manual_override"]) == (
        "open",
        "open",
        False,
    )
