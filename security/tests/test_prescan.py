"""The worker pre-scans new and updated intents on the security queue, once per pair of
source and target heads, so that a validation finds the scan of its merged tree ready."""

from conftest import git
from intents.tests.factories import create_intent
from intents.validation import ValidationOptions, intent_validate
from security.models import SecurityScan
from security.services import prescan_dispatch
from security.tests.helpers import LEAK, commit_branch


def test_new_and_updated_intents_are_prescanned_once(
    repository, git_repo, django_capture_on_commit_callbacks
):
    commit_branch(git_repo, "feature/leak", {"app/run.py": LEAK})
    create_intent(repository, "leaky", source="feature/leak")
    with django_capture_on_commit_callbacks(execute=True):
        assert len(prescan_dispatch()) == 1
    scan = SecurityScan.objects.get()
    assert (scan.trigger, scan.status, scan.total_findings) == ("prescan", "completed", 3)
    with django_capture_on_commit_callbacks(execute=True):
        assert prescan_dispatch() == []  # nothing new
    # the validation uses the pre-scan
    intent_validate(intent_id="leaky", options=ValidationOptions(skip_checks=True))
    assert SecurityScan.objects.count() == 1
    # a push to the branch is an update: scanned again
    commit_branch(git_repo, "feature/leak", {"app/more.py": "x = 1\n"})
    with django_capture_on_commit_callbacks(execute=True):
        assert len(prescan_dispatch()) == 1
    assert SecurityScan.objects.count() == 2


def test_a_scan_the_validation_made_is_not_repeated(
    repository, git_repo, django_capture_on_commit_callbacks
):
    commit_branch(git_repo, "feature/leak", {"app/run.py": LEAK})
    create_intent(repository, "leaky", source="feature/leak")
    intent_validate(intent_id="leaky", options=ValidationOptions(skip_checks=True))
    assert prescan_dispatch() == []
    assert SecurityScan.objects.count() == 1


def test_an_intent_whose_branch_is_gone_never_stops_the_others(
    repository, git_repo, django_capture_on_commit_callbacks
):
    commit_branch(git_repo, "feature/gone", {"a.py": "x = 1\n"})
    commit_branch(git_repo, "feature/leak", {"app/run.py": LEAK})
    create_intent(repository, "gone", source="feature/gone", priority=1)
    create_intent(repository, "leaky", source="feature/leak", priority=2)
    git(git_repo, "branch", "-D", "feature/gone")
    with django_capture_on_commit_callbacks(execute=True):
        queued = prescan_dispatch()
    assert [SecurityScan.objects.get(pk=scan_id).intent_id for scan_id in queued] == ["leaky"]


def test_a_moved_target_with_the_same_scanned_files_is_prescanned_by_reuse(
    repository, git_repo, django_capture_on_commit_callbacks
):
    commit_branch(git_repo, "feature/leak", {"app/run.py": LEAK})
    create_intent(repository, "leaky", source="feature/leak")
    with django_capture_on_commit_callbacks(execute=True):
        prescan_dispatch()
    first = SecurityScan.objects.get()
    commit_branch(git_repo, "main", {"docs.md": "moved\n"})
    with django_capture_on_commit_callbacks(execute=True):
        assert len(prescan_dispatch()) == 1
    copy = SecurityScan.objects.exclude(pk=first.pk).get()
    # the new heads are recorded as scanned with the first scan's results, without running
    assert (copy.status, copy.duration_ms, copy.scan_key) == ("completed", 0, first.scan_key)
    assert (copy.fingerprints, copy.total_findings) == (first.fingerprints, 3)
    assert copy.target_sha != first.target_sha
    with django_capture_on_commit_callbacks(execute=True):
        assert prescan_dispatch() == []  # covered: not queued again on the next tick
