"""What a validation decision depends on, and the last decision of each intent.

The fingerprint itself is pure (:mod:`converge_core.fingerprint`); this module gathers its
inputs — SHAs from the ref store, the policy in force with the tenant's risk policy, the
flags the pipeline reads, the archaeology snapshot, the ``CONVERGE_DECISION_INPUTS`` hooks —
and keeps the last decision of each intent with the fingerprint it was made from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from converge_core.errors import ConvergeError, NotFound
from converge_core.fingerprint import INTENT_FIELDS, DecisionInputs, policy_digest
from converge_core.policy import PolicyConfig
from flags.selectors import flag_is_enabled, flag_mode
from intents.gitaccess import git_for
from intents.hooks import decision_inputs as decision_input_hooks
from intents.models import ArchaeologySnapshot, Intent, IntentDecision
from intents.riskinputs import tenant_risk_policy

# The flags the validation pipeline reads (risk classification and origin overrides).
PIPELINE_FLAGS = ("risk_auto_classify", "origin_policy")


def pipeline_flags() -> dict[str, dict[str, Any]]:
    return {
        name: {"enabled": flag_is_enabled(name), "mode": flag_mode(name)} for name in PIPELINE_FLAGS
    }


def extension_inputs(intent_ids: list[str]) -> dict[str, dict[str, str]]:
    """Intent id → {hook: digest} from the ``CONVERGE_DECISION_INPUTS`` hooks (one call per
    hook for the whole batch)."""
    parts: dict[str, dict[str, str]] = defaultdict(dict)
    for hook in decision_input_hooks():
        qualname = getattr(hook, "__qualname__", type(hook).__qualname__)
        name = f"{hook.__module__}.{qualname}"
        for intent_id, value in hook(intent_ids).items():
            parts[intent_id][name] = value
    return dict(parts)


def intent_fields(intent: Intent) -> dict[str, Any]:
    return {name: getattr(intent, name) for name in INTENT_FIELDS}


@dataclass
class InputsContext:
    """What the validations of one batch share: the policy and skip-checks option, the flags,
    and — looked up once each — policy digests per tenant and snapshots per repository."""

    config: PolicyConfig
    skip_checks: bool
    flags: dict[str, dict[str, Any]] = field(default_factory=pipeline_flags)
    policies: dict[str | None, str] = field(default_factory=dict)
    snapshots: dict[int, tuple[int, datetime] | None] = field(default_factory=dict)

    def policy(self, tenant_id: str | None) -> str:
        if tenant_id not in self.policies:
            self.policies[tenant_id] = policy_digest(
                self.config.to_document(), tenant_risk_policy(tenant_id)
            )
        return self.policies[tenant_id]

    def snapshot(self, repository_id: int) -> int | None:
        """The archaeology snapshot risk scoring reads (the latest valid one)."""
        stamp = self.snapshot_stamp(repository_id)
        return stamp[0] if stamp is not None else None

    def snapshot_stamp(self, repository_id: int) -> tuple[int, datetime] | None:
        """That snapshot's id and creation time (which name its content: see
        :func:`intents.riskinputs.snapshot_coupling`)."""
        if repository_id not in self.snapshots:
            self.snapshots[repository_id] = (
                ArchaeologySnapshot.objects.filter(repository_id=repository_id, is_valid=True)
                .values_list("pk", "created_at")
                .first()
            )
        return self.snapshots[repository_id]


def decision_inputs(
    intent: Intent, *, context: InputsContext, extensions: Mapping[str, str] | None = None
) -> DecisionInputs | None:
    """The inputs of a validation of ``intent`` now; ``None`` when a ref does not resolve
    (the validation itself reports that)."""
    try:
        source_sha, target_sha = git_for(intent.repository).resolve(intent.source, intent.target)
    except ConvergeError:
        return None
    if extensions is None:
        extensions = extension_inputs([intent.id]).get(intent.id, {})
    return DecisionInputs(
        source_sha=source_sha,
        target_sha=target_sha,
        intent=intent_fields(intent),
        policy=context.policy(intent.tenant_id),
        flags=context.flags,
        archaeology_snapshot=context.snapshot(intent.repository_id),
        options={"skip_checks": context.skip_checks},
        extensions=dict(extensions),
    )


def decision_last(intent_id: str) -> IntentDecision | None:
    return IntentDecision.objects.filter(intent_id=intent_id).first()


def intent_and_decision(
    intent_id: str, *, tenant_id: str | None = None
) -> tuple[Intent, IntentDecision | None]:
    """The intent with its repository, and its last decision, in one query; :class:`NotFound`
    as :func:`intents.selectors.intent_get` (also when it belongs to another tenant)."""
    queryset = Intent.objects.select_related("repository", "last_decision").filter(pk=intent_id)
    if tenant_id is not None:
        queryset = queryset.filter(tenant_id=tenant_id)
    intent = queryset.first()
    if intent is None:
        raise NotFound(f"Intent {intent_id} not found", intent_id=intent_id)
    try:
        return intent, intent.last_decision
    except IntentDecision.DoesNotExist:
        return intent, None


def decisions_unchanged(
    intents: list[Intent],
    *,
    context: InputsContext,
    extensions: Mapping[str, Mapping[str, str]],
) -> set[str]:
    """Ids of the intents whose last decision was made from exactly the inputs they have now
    (one query for the decisions of the whole batch)."""
    fingerprints = dict(
        IntentDecision.objects.filter(intent_id__in=[intent.id for intent in intents])
        .exclude(fingerprint="")
        .values_list("intent_id", "fingerprint")
    )
    unchanged = set()
    for intent in intents:
        if intent.id not in fingerprints:
            continue
        inputs = decision_inputs(intent, context=context, extensions=extensions.get(intent.id, {}))
        if inputs is not None and inputs.fingerprint == fingerprints[intent.id]:
            unchanged.add(intent.id)
    return unchanged


# What a new decision replaces in the intent's row.
DECISION_FIELDS = ["fingerprint", "inputs", "decision", "trace_id", "decided_at", "checked_at"]


def decision_record(
    *, intent_id: str, inputs: DecisionInputs | None, decision: Mapping[str, Any]
) -> None:
    """Remember the decision just made (inside the transaction that recorded it): one upsert
    of the intent's row."""
    now = timezone.now()
    IntentDecision.objects.bulk_create(
        [
            IntentDecision(
                intent_id=intent_id,
                fingerprint=inputs.fingerprint if inputs is not None else "",
                inputs=inputs.parts() if inputs is not None else {},
                decision=dict(decision),
                trace_id=decision.get("trace_id") or "",
                decided_at=now,
                checked_at=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["intent"],
        update_fields=DECISION_FIELDS,
    )


def decision_confirm(intent: Intent) -> None:
    """A validation found the last decision still holds: mark it checked, once per change of
    the intent (a poll writes nothing)."""
    IntentDecision.objects.filter(Q(checked_at__lt=intent.updated_at), intent_id=intent.id).update(
        checked_at=timezone.now()
    )
