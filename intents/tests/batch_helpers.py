"""Queue scenarios with a real check command: a script in the repository that fails when the
merged tree holds a ``BROKEN`` file, and one that fails on the first run of every tree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from converge_core.tests.gitrepo import GitRepo
from intents.models import Intent, Repository
from intents.tests.factories import create_intent
from intents.validation import ValidationOptions, intent_validate

CHECK_SCRIPT = """\
import pathlib, sys, time
time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 0)
broken = sorted(str(p) for p in pathlib.Path(".").rglob("BROKEN*"))
if broken:
    print("FAIL: the tree holds", ", ".join(broken))
    sys.exit(1)
print("ok")
"""

FLAKY_SCRIPT = """\
import hashlib, json, pathlib, sys
files = sorted(p for p in pathlib.Path(".").rglob("*") if p.is_file())
tree = hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()
counter = pathlib.Path(sys.argv[1])
seen = json.loads(counter.read_text()) if counter.exists() else {}
seen[tree] = seen.get(tree, 0) + 1
counter.write_text(json.dumps(seen))
if seen[tree] == 1:
    print("flaky: first run of this tree fails")
    sys.exit(1)
print("ok")
"""


def checked_repo(path: Path) -> GitRepo:
    repo = GitRepo.create(path)
    repo.commit("main", {"check.py": CHECK_SCRIPT, "flaky.py": FLAKY_SCRIPT, "README.md": "x\n"})
    return repo


def write_policy(home: Path, checks: dict[str, Any], **sections: Any) -> None:
    """A policy whose ``lint`` (the check every level requires) is ``checks['lint']``."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "policy.json").write_text(json.dumps({"checks": checks, **sections}))


def queued_intent(
    repository: Repository, repo: GitRepo, intent_id: str, *, broken: bool = False, **fields: Any
) -> Intent:
    """A branch adding one file of its own (and a ``BROKEN`` file when ``broken``), validated
    without its checks: the queue runs them on the merged tree."""
    files = {f"src/{intent_id}.txt": f"{intent_id}\n"}
    if broken:
        files[f"BROKEN-{intent_id}"] = "x\n"
    repo.commit(f"feature/{intent_id}", files, start="main")
    create_intent(repository, intent_id, source=f"feature/{intent_id}", **fields)
    decision = intent_validate(intent_id=intent_id, options=ValidationOptions(skip_checks=True))
    assert decision["decision"] == "validated", decision.get("reason")
    return Intent.objects.get(pk=intent_id)
