"""A scan is reused while the files it scanned, as they are in the merged tree, and the
scanners are unchanged (decisions §39): a system revalidation then writes nothing, a target
that moves elsewhere reuses the scan, and only a real change (new content of a scanned file,
other scanners, an operator's rescan) scans or decides again."""

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


def test_a_moved_target_reuses_the_scan_while_the_scanned_files_are_the_same(leaky, git_repo):
    intent_validate(intent_id="leaky", options=SYSTEM)
    commit_branch(git_repo, "main", {"docs.md": "moved\n"})
    again = intent_validate(intent_id="leaky", options=SYSTEM)
    # a new merged tree, the same content under the scanners: the scan's findings still count
    assert again["decision"] == "blocked"
    assert "AWS Access Key at app/run.py:2 (detect-secrets)" in again["reason"]
    assert SecurityScan.objects.count() == 1


def test_a_target_change_to_a_scanned_file_scans_again(repository, git_repo):
    settings_py = "DEBUG = False\n\n\n\n\nNAME = 'a'\n"
    commit_branch(git_repo, "main", {"app/settings.py": settings_py})
    commit_branch(
        git_repo,
        "feature/conf",
        {"app/settings.py": settings_py.replace("False", "True"), "app/run.py": LEAK},
    )
    create_intent(repository, "conf", source="feature/conf")
    intent_validate(intent_id="conf", options=SYSTEM)
    # main changes another line of a file the intent changes: the merge is clean, but the
    # merged file (what the scanners read) is new
    commit_branch(git_repo, "main", {"app/settings.py": settings_py.replace("'a'", "'b'")})
    intent_validate(intent_id="conf", options=SYSTEM)
    scans = list(SecurityScan.objects.order_by("created_at"))
    assert [scan.trigger for scan in scans] == ["validation", "validation"]
    assert scans[0].scan_key != scans[1].scan_key
    assert scans[0].tree_sha != scans[1].tree_sha


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
