"""Building queue scenarios on real repositories."""

from __future__ import annotations

from converge_core.tests.gitrepo import GitRepo
from intents.models import Intent, Repository
from intents.tests.factories import create_intent
from intents.validation import intent_validate


def validated_intent(
    repository: Repository, repo: GitRepo, intent_id: str, files: dict[str, str], **fields: object
) -> Intent:
    """A branch ``feature/<id>`` with ``files`` and its intent, validated."""
    repo.commit(f"feature/{intent_id}", files, start="main")
    create_intent(repository, intent_id, source=f"feature/{intent_id}", **fields)
    decision = intent_validate(intent_id=intent_id)
    assert decision["decision"] == "validated", decision.get("reason")
    return Intent.objects.get(pk=intent_id)
