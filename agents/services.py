"""Setting agent policies and ownership rules, and authorizing an agent's action."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from agents.models import AgentPolicyRecord, OwnershipRules
from agents.selectors import (
    agent_policy_get,
    intent_approvers,
    ownership_for,
    registered_agents,
    tenant_key,
)
from converge_core.agents import (
    ACTIONS,
    SOD_ACTIONS,
    AgentPolicy,
    AuthorizationFacts,
    SodVerdict,
    atl_actions,
    authorize,
    check_sod,
    clean_policy,
    parse_ownership,
)
from converge_core.errors import InvalidInput
from flags.selectors import flag_is_enabled
from insights.compliance import compliance_report
from intents.models import Intent, Repository
from intents.policyconfig import policy_config
from ledger.append import event_append
from ledger.selectors import latest_payload

IGNORED_APPROVALS = (
    "human_approvals given by the caller ({given}) is ignored: approvals are counted from "
    "completed reviews recorded in Converge"
)


def agent_policy_set(*, data: Mapping[str, Any], actor: str) -> AgentPolicy:
    """Replace the whole policy of (agent, tenant) and record ``agent.policy_updated``."""
    policy = clean_policy(data)
    with transaction.atomic():
        AgentPolicyRecord.objects.update_or_create(
            agent_id=policy.agent_id,
            tenant_key=tenant_key(policy.tenant_id),
            defaults={
                "atl": policy.atl,
                "max_risk_score": policy.max_risk_score,
                "max_blast_severity": policy.max_blast_severity,
                "min_test_coverage": policy.min_test_coverage,
                "require_compliance_pass": policy.require_compliance_pass,
                "require_human_approval": policy.require_human_approval,
                "require_dual_approval_on_critical": policy.require_dual_approval_on_critical,
                "allow_actions": list(policy.allow_actions),
                "action_overrides": dict(policy.action_overrides),
                "expires_at": policy.expires_at,
                "updated_at": timezone.now(),
                "updated_by": actor,
            },
        )
        event_append(
            event_type="agent.policy_updated",
            payload={**policy.as_dict(), "updated_by": actor},
            agent_id=policy.agent_id,
            tenant_id=policy.tenant_id,
        )
    return policy


def ownership_set(
    *, repository: Repository, tenant_id: str | None, document: Mapping[str, Any], actor: str
) -> dict[str, Any]:
    """Store the ownership rules of a repository in a tenant (validated first)."""
    ownership = parse_ownership(document)
    OwnershipRules.objects.update_or_create(
        repository=repository,
        tenant_key=tenant_key(tenant_id),
        defaults={
            "document": ownership.as_dict(),
            "updated_at": timezone.now(),
            "updated_by": actor,
        },
    )
    return {"repository": repository.name, "tenant_id": tenant_id, **ownership.as_dict()}


def record_sod_violation(
    *,
    principal: str,
    action: str,
    verdict: SodVerdict,
    files: list[str],
    intent_id: str,
    tenant_id: str | None,
) -> None:
    event_append(
        event_type="policy.sod.violation",
        payload={
            "agent_id": principal,
            "action": action,
            "files": list(verdict.owned_files or verdict.unowned_files or files)[:20],
            "reason": verdict.reason,
        },
        intent_id=intent_id,
        tenant_id=tenant_id,
        agent_id=principal,
    )


def intent_files(intent: Intent) -> list[str]:
    simulation = latest_payload(event_type="simulation.completed", intent_id=intent.id) or {}
    return [str(path) for path in simulation.get("files_changed") or []]


def _sod(intent: Intent, agent_id: str, action: str) -> SodVerdict | None:
    if not flag_is_enabled("code_ownership") or action not in SOD_ACTIONS:
        return None
    files = intent_files(intent)
    verdict = check_sod(ownership_for(intent.repository, intent.tenant_id), agent_id, files, action)
    if not verdict.allowed:
        record_sod_violation(
            principal=agent_id,
            action=action,
            verdict=verdict,
            files=files,
            intent_id=intent.id,
            tenant_id=intent.tenant_id,
        )
    return verdict


def agent_authorize(
    *,
    agent_id: str,
    action: str,
    intent_id: str,
    tenant_id: str | None = None,
    human_approvals: int | None = None,
) -> dict[str, Any]:
    """May ``agent_id`` perform ``action`` on the intent now? Every rule is evaluated and the
    answer recorded as ``agent.authorized``. A tenant given scopes the intent lookup too."""
    if not agent_id or not intent_id:
        raise InvalidInput("agent_id and intent_id are required")
    if action not in ACTIONS:
        raise InvalidInput(f"action: must be one of {', '.join(ACTIONS)}", field="action")
    policy = agent_policy_get(agent_id, tenant_id)
    intents = Intent.objects.select_related("repository").filter(pk=intent_id)
    if tenant_id is not None:
        intents = intents.filter(tenant_id=tenant_id)
    intent = intents.first()
    risk = latest_payload(event_type="risk.evaluated", intent_id=intent_id) if intent else None
    compliance = None
    if policy.require_compliance_pass and intent is not None:
        compliance = bool(compliance_report(tenant_id=intent.tenant_id)["passed"])
    approvers = (
        intent_approvers(intent, excluding=registered_agents() | {agent_id}) if intent else []
    )
    facts = AuthorizationFacts(
        policy=policy,
        action=action,
        intent_id=intent_id,
        now=timezone.now(),
        atl_table=atl_actions(policy_config().extra.get("agents")),
        intent_found=intent is not None,
        risk_level=intent.risk_level if intent else None,
        risk=risk,
        compliance_passed=compliance,
        approvers=approvers,
        sod=_sod(intent, agent_id, action) if intent else None,
    )
    result = authorize(facts)
    if human_approvals:
        result["warnings"] = [
            {
                "code": "human_approvals_ignored",
                "message": IGNORED_APPROVALS.format(given=human_approvals),
            }
        ]
    event_append(
        event_type="agent.authorized",
        payload=result,
        evidence={"allowed": result["allowed"], "action": action},
        agent_id=agent_id,
        intent_id=intent_id if intent else None,
        tenant_id=intent.tenant_id if intent else tenant_id,
    )
    return result
