"""A scan is reused while the merged tree and the scanners are unchanged (decisions §39): a
system revalidation then writes nothing, and only a real change (a new tree, other scanners,
an operator's rescan) scans or decides again."""

import pytest

from intents.tests.factories import create_intent
from intents.validation import ValidationOptions, intent_validate
from ledger.models import Event
from security.models import SecurityScan
from security.services import security_scan
from security.tests.helpers import LEAK, commit_branch

SYSTEM = ValidationOptions(skip_checks=True, reuse=True)


@pytest.fixture
def leaky(repository, git_repo):
    commit_branch(git_repo, "feature/leak", {"app/run.py": LEAK})
    return create_intent(repository, "leaky", source="feature/leak")


def test_an_unchanged_tree_reuses_the_scan_and_the_decision(leaky):
    first = intent_validate(intent_id="leaky", options=SYSTEM)
    assert first["decision"] == "blocked"
    assert SecurityScan.objects.get().trigger == "validation"
    events = Event.objects.count()
    again = intent_validate(intent_id="leaky", options=SYSTEM)
    assert (again["decision"], again["reason"]) == ("blocked", first["reason"])
    assert SecurityScan.objects.count() == 1 and Event.objects.count() == events
    # a validation that is not a system one decides again, but still reuses the scan
    intent_validate(intent_id="leaky", options=ValidationOptions(skip_checks=True))
    assert SecurityScan.objects.count() == 1


def test_a_moved_target_scans_the_new_merged_tree(leaky, git_repo):
    intent_validate(intent_id="leaky", options=SYSTEM)
    commit_branch(git_repo, "main", {"docs.md": "moved\n"})
    intent_validate(intent_id="leaky", options=SYSTEM)
    trees = set(SecurityScan.objects.values_list("tree_sha", flat=True))
    assert len(trees) == 2


def test_other_scanners_scan_again(leaky, settings):
    intent_validate(intent_id="leaky", options=SYSTEM)
    settings.CONVERGE_SECURITY_SCANNERS = ["bandit", "detect-secrets"]
    intent_validate(intent_id="leaky", options=SYSTEM)
    assert SecurityScan.objects.count() == 2
    assert [s["scanner"] for s in SecurityScan.objects.first().scanners] == [
        "bandit",
        "detect-secrets",
    ]


def test_an_operator_rescan_is_news_to_the_queue(leaky):
    intent_validate(intent_id="leaky", options=SYSTEM)
    blocks = Event.objects.filter(event_type="intent.blocked").count()
    scan, reused = security_scan(intent_id="leaky", actor="ops")
    assert not reused and scan.trigger == "operator"
    intent_validate(intent_id="leaky", options=SYSTEM)
    assert Event.objects.filter(event_type="policy.evaluated").count() == 2
    # the same block is not written twice
    assert Event.objects.filter(event_type="intent.blocked").count() == blocks
