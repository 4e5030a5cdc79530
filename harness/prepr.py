"""The pre-PR evaluation harness (operations §7): ``harness evaluate`` and
``POST /v1/intents/evaluate`` score a draft intent before it exists.

The similarity signal embeds the draft with the active provider, built the way the semantic
index builds an intent's text, and compares it with the active intents of the same tenant,
repository and target (§7 notes 1 and 3). A draft is cleaned like a creation request; it
is never stored. The ``pre_eval_harness`` flag's mode is the default mode; with the flag
off nothing is evaluated or recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from converge_core import prepr
from converge_core.errors import InvalidInput
from flags.selectors import flag_is_enabled, flag_mode
from intents.choices import RiskLevel
from intents.cleaning import clean_choice, clean_label, clean_ref, clean_semantic, clean_technical
from intents.models import Repository
from intents.repositories import repository_resolve
from ledger.append import event_append
from semantic.similarity import index_text, similar_intents


def _draft(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the evaluation reads, cleaned like a creation request's (others ignored)."""
    technical = clean_technical(data.get("technical"))
    source = data.get("source") or technical.get("source_ref")
    target = data.get("target") or technical.get("target_ref") or "main"
    risk_level = data.get("risk_level")
    draft_id = data.get("id") or data.get("intent_id")
    return {
        "id": clean_label(draft_id, "id"),
        "source": clean_ref(source, "source") if source else "",
        "target": clean_ref(target, "target"),
        "risk_level": (
            RiskLevel.MEDIUM
            if risk_level is None
            else clean_choice(risk_level, "risk_level", RiskLevel.values)
        ),
        "semantic": clean_semantic(data.get("semantic")),
        "technical": technical,
        "tenant_id": clean_label(data.get("tenant_id"), "tenant_id"),
    }


def draft_similar(draft: Mapping[str, Any], repository: Repository) -> list[dict[str, Any]]:
    """Active intents like the draft, most similar first: ``[{intent_id, similarity,
    objective}]`` (similarity 3 dp)."""
    text = index_text(
        semantic=draft["semantic"],
        technical=draft["technical"],
        source=draft["source"],
        target=draft["target"],
        risk_level=draft["risk_level"],
    )
    found = similar_intents(
        text=text,
        tenant_id=draft["tenant_id"],
        repository_id=repository.pk,
        target=draft["target"],
        exclude_intent_id=draft["id"],
        limit=prepr.MAX_SIMILAR_SHOWN,
    )
    return [
        {
            "intent_id": item.intent_id,
            "similarity": round(item.similarity, 3),
            "objective": item.objective,
        }
        for item in found
    ]


def draft_evaluate(
    *, data: Mapping[str, Any], mode: str | None = None, actor: str = "system"
) -> dict[str, Any]:
    if not flag_is_enabled("pre_eval_harness"):
        return {"status": "disabled", "message": "pre_eval_harness flag is disabled"}
    mode = mode or flag_mode("pre_eval_harness") or "shadow"
    if mode not in prepr.MODES:
        raise InvalidInput(f"mode: must be one of {', '.join(prepr.MODES)}", field="mode")
    draft = _draft(data)
    similar = draft_similar(draft, repository_resolve())
    max_similarity = max((item["similarity"] for item in similar), default=0.0)
    quality, suggestions = prepr.description_quality(
        semantic=draft["semantic"],
        technical=draft["technical"],
        source=draft["source"],
        target=draft["target"],
    )
    signals = {"max_similarity": round(max_similarity, 3), "description_quality": quality}
    score = prepr.draft_score(signals)
    passed = prepr.draft_passed(score, mode)
    listed = [item for item in similar if item["similarity"] > prepr.SIMILAR_LISTED]
    result = {
        "score": score,
        "passed": passed,
        "similar_intents": listed,
        "signals": signals,
        "recommendations": prepr.recommendations(
            similar=similar,
            max_similarity=max_similarity,
            quality=quality,
            suggestions=suggestions,
        ),
        "mode": mode,
    }
    event_append(
        event_type="intent.pre_evaluated",
        payload={
            "score": score,
            "passed": passed,
            "mode": mode,
            "signals": signals,
            "similar_count": len(listed),
        },
        intent_id=draft["id"],
        tenant_id=draft["tenant_id"],
        agent_id=actor,
    )
    return result
