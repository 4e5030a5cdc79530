"""Separation of duties at review completion (``CONVERGE_REVIEW_COMPLETION_CHECKS``), with
the ``code_ownership`` flag on (risk-policy §7 note 1).

The acting principal completing a review must not be the intent's author (recorded at
creation as ``created_by``), and must not approve a change to code they own (the ownership
rules of the intent's repository against its changed files; with ``strict``, every touched
file needs an owner). A refusal is recorded as ``policy.sod.violation``.
"""

from __future__ import annotations

from agents.selectors import ownership_for
from agents.services import intent_files, record_sod_violation
from converge_core.agents import SodVerdict, check_sod
from converge_core.hooks import ReviewCompletion
from converge_core.reviews import ReviewResolution
from flags.selectors import flag_is_enabled
from intents.models import Intent


def review_completion_check(completion: ReviewCompletion) -> str | None:
    if not flag_is_enabled("code_ownership"):
        return None
    intent = Intent.objects.select_related("repository").filter(pk=completion.intent_id).first()
    if intent is None:
        return None
    files = intent_files(intent)
    if completion.actor == intent.created_by:
        verdict = SodVerdict(
            False,
            f"SoD violation: {completion.actor} is the author of intent {intent.id} "
            "and cannot complete its review",
        )
    elif completion.resolution == ReviewResolution.APPROVED:
        ownership = ownership_for(intent.repository, intent.tenant_id)
        verdict = check_sod(ownership, completion.actor, files, "approve")
    else:
        return None
    if verdict.allowed:
        return None
    record_sod_violation(
        principal=completion.actor,
        action="approve",
        verdict=verdict,
        files=files,
        intent_id=intent.id,
        tenant_id=intent.tenant_id,
    )
    return verdict.reason
