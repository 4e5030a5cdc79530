"""Reading agent policies, ownership rules and the approvals an intent received."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from agents.models import AgentPolicyRecord, OwnershipRules
from converge_core.agents import AgentPolicy, Ownership, clean_policy, parse_ownership
from converge_core.errors import InvalidInput
from converge_core.reviews import ReviewResolution
from intents.models import Intent, Repository
from ledger.selectors import event_feed

OWNERSHIP_FILE = "ownership.json"
UNATTRIBUTED = "system"  # the CLI's actor when none is named: nobody in particular


def tenant_key(tenant_id: str | None) -> str:
    return tenant_id or ""


def policy_of(record: AgentPolicyRecord) -> AgentPolicy:
    return clean_policy(
        {
            "agent_id": record.agent_id,
            "tenant_id": record.tenant_key or None,
            "atl": record.atl,
            "max_risk_score": record.max_risk_score,
            "max_blast_severity": record.max_blast_severity,
            "min_test_coverage": record.min_test_coverage,
            "require_compliance_pass": record.require_compliance_pass,
            "require_human_approval": record.require_human_approval,
            "require_dual_approval_on_critical": record.require_dual_approval_on_critical,
            "allow_actions": record.allow_actions,
            "action_overrides": record.action_overrides,
            "expires_at": record.expires_at,
        }
    )


def agent_policy_get(agent_id: str, tenant_id: str | None) -> AgentPolicy:
    """The stored policy of (agent, tenant), or one with every default (no fallback)."""
    record = AgentPolicyRecord.objects.filter(
        agent_id=agent_id, tenant_key=tenant_key(tenant_id)
    ).first()
    if record is None:
        return AgentPolicy(agent_id=agent_id, tenant_id=tenant_id)
    return policy_of(record)


def agent_policy_list(tenant_id: str | None = None) -> list[AgentPolicy]:
    records = AgentPolicyRecord.objects.all()
    if tenant_id is not None:
        records = records.filter(tenant_key=tenant_id)
    return [policy_of(record) for record in records]


def registered_agents() -> set[str]:
    return set(AgentPolicyRecord.objects.values_list("agent_id", flat=True).distinct())


def _ownership_file() -> Path | None:
    for path in (Path(settings.CONVERGE_HOME) / OWNERSHIP_FILE, Path(OWNERSHIP_FILE)):
        if path.is_file():
            return path
    return None


def ownership_file_document(path: Path) -> dict:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path}: not a readable JSON document: {exc}") from None
    parse_ownership(document)
    return document


def ownership_for(repository: Repository, tenant_id: str | None) -> Ownership:
    """The rules stored for (tenant, repository); else ``$CONVERGE_HOME/ownership.json`` or
    ``./ownership.json``; else none."""
    stored = OwnershipRules.objects.filter(
        repository=repository, tenant_key=tenant_key(tenant_id)
    ).first()
    if stored is not None:
        return parse_ownership(stored.document)
    path = _ownership_file()
    return parse_ownership(ownership_file_document(path)) if path else Ownership()


def intent_approvers(intent: Intent, *, excluding: set[str]) -> list[str]:
    """Distinct principals who completed an approved review of the intent: the acting
    principal of each completion (the named reviewer when it was unattributed), never one of
    ``excluding`` (the asking agent and every registered agent)."""
    completions = event_feed(
        event_type="review.completed",
        intent_id=intent.id,
        payload={"resolution": str(ReviewResolution.APPROVED)},
        oldest_first=True,
    ).values_list("agent_id", "payload")
    approvers: list[str] = []
    for actor, payload in completions:
        who = actor if actor and actor != UNATTRIBUTED else (payload or {}).get("reviewer")
        if who and who != UNATTRIBUTED and who not in excluding and who not in approvers:
            approvers.append(str(who))
    return approvers
