"""``POST /v1/intents`` refuses a source branch the local repository does not have."""

from pathlib import Path
from typing import Any

from conftest import git_branches
from intents.models import Intent
from ledger.models import Event


def test_an_unknown_source_branch_is_a_400_and_stores_nothing(
    repository: Any, api_operator: Any
) -> None:
    response = api_operator.post(
        "/v1/intents", {"id": "u-1", "source": "feature/typo"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "validation_error",
        "message": "unknown branch 'feature/typo': repository repo has no such branch",
        "field": "source",
    }
    assert not Intent.objects.exists()
    assert not Event.objects.filter(event_type="intent.created").exists()


def test_an_existing_source_branch_is_created(
    repository: Any, api_operator: Any, git_repo: Path
) -> None:
    git_branches(git_repo, "feature/real")
    response = api_operator.post(
        "/v1/intents", {"id": "r-1", "source": "feature/real"}, format="json"
    )
    assert response.status_code == 200
    assert Intent.objects.get(pk="r-1").source == "feature/real"
