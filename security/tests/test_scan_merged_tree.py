"""A scan covers the files an intent changes, as they are in its merged tree (read from git):
never the working tree, never a file the intent did not change, never a path outside the tree."""

import pytest

from converge_core.errors import InvalidInput
from intents.tests.factories import create_intent
from security.models import SecurityFinding
from security.services import security_scan
from security.tests.helpers import LEAK, SECRET, commit_branch


def test_the_changed_files_of_the_merged_tree_are_scanned(repository, git_repo):
    commit_branch(git_repo, "main", {"legacy.py": "import pickle\n"})
    commit_branch(git_repo, "feature/leak", {"app/run.py": LEAK}, base="main~1")
    # the working tree holds other content: it is never read
    (git_repo / "app").mkdir()
    (git_repo / "app" / "run.py").write_text("print('clean')\n")
    create_intent(repository, "leaky", source="feature/leak")

    scan, reused = security_scan(intent_id="leaky", actor="ops")

    assert not reused and scan.status == "completed" and scan.files_scanned == 1
    found = {(f.scanner, f.rule, f.file, f.line) for f in SecurityFinding.objects.all()}
    assert ("detect-secrets", "AWS Access Key", "app/run.py", 2) in found
    assert ("bandit", "B602", "app/run.py", 6) in found
    # main's own file is in the merged tree, but the intent did not change it
    assert not [f for f in found if f[2] == "legacy.py"]
    statuses = {s["scanner"]: s["status"] for s in scan.scanners}
    assert statuses == {
        "bandit": "completed",
        "detect-secrets": "completed",
        "pip-audit": "skipped",
    }
    assert scan.severity_counts == {"critical": 1, "high": 1, "low": 1}
    assert SECRET not in str(list(SecurityFinding.objects.values()))


def test_path_narrows_the_scan_and_must_stay_inside_the_tree(repository, git_repo):
    commit_branch(git_repo, "feature/two", {"app/run.py": LEAK, "tools/x.py": LEAK})
    create_intent(repository, "two", source="feature/two")

    scan, _ = security_scan(intent_id="two", path="tools", actor="ops")
    assert scan.files_scanned == 1 and scan.path == "tools"
    assert {f.file for f in SecurityFinding.objects.all()} == {"tools/x.py"}

    for bad in ("../etc", "/etc/passwd", "nowhere"):
        with pytest.raises(InvalidInput):
            security_scan(intent_id="two", path=bad, actor="ops")


def test_without_an_intent_the_target_head_is_scanned(repository, git_repo):
    commit_branch(git_repo, "main", {"svc/a.py": LEAK, "svc/b.txt": "fine\n"})
    scan, _ = security_scan(actor="ops")
    assert (scan.intent_id, scan.ref, scan.files_scanned) == (None, "main", 3)
    assert scan.scope.startswith("target:")
    assert {f.file for f in SecurityFinding.objects.filter(scope=scan.scope)} == {"svc/a.py"}
