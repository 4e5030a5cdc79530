"""Agent authorization and separation of duties, as pure functions (risk-policy §6, §7).

``authorize`` evaluates every rule (nothing short-circuits) over facts the caller gathered:
the agent's policy, the intent (``None``: unknown), its latest risk evaluation (``None``:
none), the compliance verdict, the approvals counted from completed reviews, and, with the
``code_ownership`` flag, the ownership check of the intent's files. It fails closed: an
unknown intent or one never evaluated is denied (§6 note 1). Each failing rule adds its reason
and its name to ``denied_by``, so a denial says which rule refused.

The Autonomy Trust Level is a ceiling on the allowed actions (note 3): by default ATL 0 may
only analyze, 1 also validate, 2 also queue, 3 also approve and merge; ``policy.json`` may
change the table (``"agents": {"atl_actions": {"0": ["analyze"], ...}}``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from converge_core.errors import InvalidInput

ACTIONS: tuple[str, ...] = ("analyze", "validate", "queue", "approve", "merge")
SOD_ACTIONS = frozenset({"approve", "merge"})
SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")
ATL_LEVELS: tuple[int, ...] = (0, 1, 2, 3)
DEFAULT_ATL_ACTIONS: Mapping[int, tuple[str, ...]] = {
    0: ("analyze",),
    1: ("analyze", "validate"),
    2: ("analyze", "validate", "queue"),
    3: ("analyze", "validate", "queue", "approve", "merge"),
}
LIMIT_KEYS = ("max_risk_score", "max_blast_severity", "min_test_coverage")


@dataclass(frozen=True)
class AgentPolicy:
    agent_id: str
    tenant_id: str | None = None
    atl: int = 0
    max_risk_score: float = 30.0
    max_blast_severity: str = "low"
    min_test_coverage: float = 0.0
    require_compliance_pass: bool = True
    require_human_approval: bool = True
    require_dual_approval_on_critical: bool = True
    allow_actions: tuple[str, ...] = ("analyze",)
    action_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    expires_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "agent_id": self.agent_id,
            "tenant_id": self.tenant_id,
            "atl": self.atl,
            "max_risk_score": self.max_risk_score,
            "max_blast_severity": self.max_blast_severity,
            "min_test_coverage": self.min_test_coverage,
            "require_compliance_pass": self.require_compliance_pass,
            "require_human_approval": self.require_human_approval,
            "require_dual_approval_on_critical": self.require_dual_approval_on_critical,
            "allow_actions": list(self.allow_actions),
            "action_overrides": {k: dict(v) for k, v in self.action_overrides.items()},
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }


def clean_policy(data: Mapping[str, Any]) -> AgentPolicy:
    """An agent policy from its fields (missing ones take their defaults), validated."""
    agent_id = data.get("agent_id")
    if not isinstance(agent_id, str) or not agent_id.strip():
        raise InvalidInput("agent_id: must be a non-empty string", field="agent_id")
    defaults = AgentPolicy(agent_id=agent_id)
    atl = data.get("atl", defaults.atl)
    if atl not in ATL_LEVELS or isinstance(atl, bool):
        raise InvalidInput("atl: must be 0, 1, 2 or 3", field="atl")
    severity = data.get("max_blast_severity", defaults.max_blast_severity)
    if severity not in SEVERITIES:
        raise InvalidInput(
            f"max_blast_severity: must be one of {', '.join(SEVERITIES)}",
            field="max_blast_severity",
        )
    coverage = float(data.get("min_test_coverage", defaults.min_test_coverage))
    if not 0.0 <= coverage <= 1.0:
        raise InvalidInput("min_test_coverage: must be between 0 and 1", field="min_test_coverage")
    actions = tuple(data.get("allow_actions", defaults.allow_actions))
    unknown = sorted(set(actions) - set(ACTIONS))
    if unknown:
        raise InvalidInput(
            f"allow_actions: unknown actions {unknown} (use {', '.join(ACTIONS)})",
            field="allow_actions",
        )
    overrides = data.get("action_overrides") or {}
    for action, limits in overrides.items():
        if action not in ACTIONS or not isinstance(limits, Mapping):
            raise InvalidInput(
                f"action_overrides: {action!r} must be an action mapped to limits",
                field="action_overrides",
            )
        bad = sorted(set(limits) - set(LIMIT_KEYS))
        if bad:
            raise InvalidInput(
                f"action_overrides.{action}: unknown limits {bad} (use {', '.join(LIMIT_KEYS)})",
                field="action_overrides",
            )
    return AgentPolicy(
        agent_id=agent_id,
        tenant_id=data.get("tenant_id") or None,
        atl=int(atl),
        max_risk_score=float(data.get("max_risk_score", defaults.max_risk_score)),
        max_blast_severity=str(severity),
        min_test_coverage=coverage,
        require_compliance_pass=bool(
            data.get("require_compliance_pass", defaults.require_compliance_pass)
        ),
        require_human_approval=bool(
            data.get("require_human_approval", defaults.require_human_approval)
        ),
        require_dual_approval_on_critical=bool(
            data.get(
                "require_dual_approval_on_critical", defaults.require_dual_approval_on_critical
            )
        ),
        allow_actions=actions,
        action_overrides={k: dict(v) for k, v in overrides.items()},
        expires_at=parse_expiry(data.get("expires_at")),
    )


def parse_expiry(value: Any) -> datetime | None:
    """An ISO-8601 instant; no offset means UTC (§6 note 4)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            raise InvalidInput(
                f"expires_at: must be an ISO-8601 timestamp, got {value!r}", field="expires_at"
            ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def atl_actions(config: Mapping[str, Any] | None) -> dict[int, tuple[str, ...]]:
    """The ATL table: the defaults, levels replaced by ``agents.atl_actions`` of policy.json."""
    table = dict(DEFAULT_ATL_ACTIONS)
    configured = (config or {}).get("atl_actions") or {}
    if not isinstance(configured, Mapping):
        raise InvalidInput("agents.atl_actions must map ATL levels to action lists")
    for level, actions in configured.items():
        if str(level) not in {str(n) for n in ATL_LEVELS} or not isinstance(actions, list):
            raise InvalidInput(f"agents.atl_actions: {level!r} must be 0-3 mapped to a list")
        unknown = sorted(set(actions) - set(ACTIONS))
        if unknown:
            raise InvalidInput(f"agents.atl_actions.{level}: unknown actions {unknown}")
        table[int(level)] = tuple(actions)
    return table


def blast_severity(damage_score: float) -> str:
    if damage_score < 30:
        return "low"
    if damage_score < 50:
        return "medium"
    if damage_score < 75:
        return "high"
    return "critical"


# -- ownership ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnershipRule:
    pattern: str
    owners: tuple[str, ...]
    team: str | None = None


@dataclass(frozen=True)
class Ownership:
    rules: tuple[OwnershipRule, ...] = ()
    strict: bool = False

    def owners_for(self, path: str) -> list[str]:
        """Every owner of every rule whose glob matches (shell-style, ``*`` crosses ``/``,
        case-sensitive), in rule order."""
        owners: list[str] = []
        for rule in self.rules:
            if fnmatch.fnmatchcase(path, rule.pattern):
                owners.extend(rule.owners)
        return owners

    def summary(self, files: Sequence[str]) -> dict[str, Any]:
        owned = {path: self.owners_for(path) for path in files if self.owners_for(path)}
        unowned = [path for path in files if path not in owned]
        return {"owned": owned, "unowned": unowned, "coverage": len(owned) / max(len(files), 1)}

    def as_dict(self) -> dict[str, Any]:
        return {
            "rules": [
                {
                    "pattern": r.pattern,
                    "owners": list(r.owners),
                    **({"team": r.team} if r.team else {}),
                }
                for r in self.rules
            ],
            "strict": self.strict,
        }


def parse_ownership(document: Any) -> Ownership:
    """``{"rules": [{"pattern", "owners", "team"?}], "strict": false}``, validated."""
    if not isinstance(document, Mapping):
        raise InvalidInput("ownership rules must be a JSON object")
    rules = document.get("rules", [])
    if not isinstance(rules, list):
        raise InvalidInput("rules: must be a list", field="rules")
    parsed = []
    for n, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            raise InvalidInput(f"rules[{n}]: must be an object", field="rules")
        pattern, owners = rule.get("pattern"), rule.get("owners")
        if not isinstance(pattern, str) or not pattern:
            raise InvalidInput(f"rules[{n}].pattern: must be a non-empty string", field="rules")
        if not isinstance(owners, list) or not all(isinstance(o, str) and o for o in owners):
            raise InvalidInput(f"rules[{n}].owners: must be a list of names", field="rules")
        team = rule.get("team")
        parsed.append(OwnershipRule(pattern, tuple(owners), str(team) if team else None))
    strict = document.get("strict", False)
    if not isinstance(strict, bool):
        raise InvalidInput("strict: must be true or false", field="strict")
    return Ownership(tuple(parsed), strict)


@dataclass(frozen=True)
class SodVerdict:
    allowed: bool
    reason: str
    owned_files: tuple[str, ...] = ()
    unowned_files: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"allowed": self.allowed, "reason": self.reason}
        if self.owned_files:
            result["owned_files"] = list(self.owned_files)
        if self.unowned_files:
            result["unowned_files"] = list(self.unowned_files)
        return result


def check_sod(
    ownership: Ownership, principal: str, files: Sequence[str], action: str = "approve"
) -> SodVerdict:
    """Whether ``principal`` may ``action`` a change of ``files``: an owner of touched code
    may not approve or merge it, and with ``strict`` every touched file needs an owner."""
    if not ownership.rules:
        return SodVerdict(True, "no ownership rules configured")
    if action not in SOD_ACTIONS:
        return SodVerdict(True, "no SoD conflict")
    owned = tuple(path for path in files if principal in ownership.owners_for(path))
    if owned:
        return SodVerdict(
            False, f"SoD violation: {principal} owns code in touched files", owned_files=owned
        )
    if ownership.strict:
        unowned = tuple(path for path in files if not ownership.owners_for(path))
        if unowned:
            return SodVerdict(
                False,
                f"Ownership is strict: touched files without an owner: {list(unowned[:20])}",
                unowned_files=unowned,
            )
    return SodVerdict(True, "no SoD conflict")


# -- authorize ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorizationFacts:
    """What ``authorize`` decides from (gathered by the caller)."""

    policy: AgentPolicy
    action: str
    intent_id: str
    now: datetime
    atl_table: Mapping[int, Sequence[str]]
    intent_found: bool
    risk_level: str | None = None
    risk: Mapping[str, Any] | None = None
    compliance_passed: bool | None = None
    approvers: Sequence[str] = ()
    sod: SodVerdict | None = None  # None: the code_ownership flag is off


def authorize(facts: AuthorizationFacts) -> dict[str, Any]:
    policy, action = facts.policy, facts.action
    reasons: list[str] = []
    denied_by: list[str] = []

    def deny(rule: str, reason: str) -> None:
        denied_by.append(rule)
        reasons.append(reason)

    if policy.expires_at is not None and facts.now > policy.expires_at:
        deny("expiry", f"Policy expired at {policy.expires_at.isoformat()}")
    limits: dict[str, Any] = {key: getattr(policy, key) for key in LIMIT_KEYS}
    limits.update(policy.action_overrides.get(action, {}))
    if action not in policy.allow_actions:
        deny(
            "allowed_actions",
            f"Action '{action}' not in allowed actions: {list(policy.allow_actions)}",
        )
    ceiling = tuple(facts.atl_table.get(policy.atl, ()))
    if action not in ceiling:
        deny("atl", f"Action '{action}' exceeds ATL {policy.atl} (allows: {list(ceiling)})")
    if not facts.intent_found:
        deny("intent", f"Intent not found: {facts.intent_id}")
    elif facts.risk is None:
        deny("risk_evaluation", f"Intent {facts.intent_id} has no risk evaluation")
    else:
        risk_score = float(facts.risk.get("risk_score") or 0.0)
        if risk_score > float(limits["max_risk_score"]):
            deny(
                "risk_score",
                f"Risk score {risk_score:.0f} > agent limit {limits['max_risk_score']}",
            )
        actual = blast_severity(float(facts.risk.get("damage_score") or 0.0))
        allowed_severity = str(limits["max_blast_severity"])
        if SEVERITIES.index(actual) > SEVERITIES.index(allowed_severity):
            deny(
                "blast_severity",
                f"Blast severity '{actual}' exceeds agent limit '{allowed_severity}'",
            )
    if policy.require_compliance_pass and facts.compliance_passed is False:
        deny("compliance", "Compliance check not passing")
    approvals = len(facts.approvers)
    if policy.require_human_approval and approvals < 1:
        deny("human_approval", "Human approval required but none recorded")
    if (
        facts.intent_found
        and facts.risk_level == "critical"
        and policy.require_dual_approval_on_critical
        and approvals < 2
    ):
        deny("dual_approval", f"Critical risk requires 2 approvals, got {approvals}")
    if facts.sod is not None and not facts.sod.allowed:
        deny("separation_of_duties", facts.sod.reason)
    return {
        "agent_id": policy.agent_id,
        "action": action,
        "intent_id": facts.intent_id,
        "allowed": not reasons,
        "reasons": reasons,
        "denied_by": denied_by,
        "atl": policy.atl,
        "effective_limits": limits,
        "human_approvals": approvals,
        "approvers": list(facts.approvers),
        "timestamp": facts.now.isoformat(),
    }
