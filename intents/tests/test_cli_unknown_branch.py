"""``converge intent create`` refuses a source branch the repository does not have."""

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import git_branches
from intents.models import Intent
from ledger.models import Event


def test_an_unknown_branch_exits_2_and_stores_nothing(cli: Any, git_repo: Path) -> None:
    result = cli("intent", "create", "--from-branch", "feature/typo", "--intent-id", "t-1")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: unknown branch 'feature/typo': repository repo has no such branch"
    )
    assert result.json["error"]["code"] == "validation_error"
    assert result.json["error"]["field"] == "source"
    assert not Intent.objects.exists() and not Event.objects.exists()


def test_an_unknown_branch_in_a_file_is_refused_too(
    cli: Any, git_repo: Path, tmp_path: Path
) -> None:
    path = tmp_path / "intent.json"
    path.write_text(json.dumps({"id": "f-1", "source": "feature/gone"}))
    result = cli("intent", "create", "--file", str(path))
    assert result.exit_code == 2 and "unknown branch 'feature/gone'" in result.stderr
    assert not Intent.objects.exists()


@pytest.mark.parametrize("source", ["feature/real", "main"])
def test_an_existing_branch_is_accepted(cli: Any, git_repo: Path, source: str) -> None:
    git_branches(git_repo, "feature/real")
    result = cli("intent", "create", "--from-branch", source, "--intent-id", "ok-1")
    assert result.exit_code == 0, result.stderr
    assert Intent.objects.get(pk="ok-1").source == source
