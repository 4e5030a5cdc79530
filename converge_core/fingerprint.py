"""Fingerprints of what a decision depends on, and of a snapshot's value (decisions §39).

An event records a decision, a change of state or an operator's act, never a poll. The worker
revalidates its queue every poll interval; a revalidation whose inputs are unchanged would
only repeat the last decision, so it reuses it and writes nothing. The inputs are:

- the source and target SHAs (a push or a merge moves them);
- the intent's own fields (``INTENT_FIELDS``; status, retries and claims are state, not input);
- the policy digest: the policy in force and the tenant's risk policy;
- the feature flags the pipeline reads, with their modes;
- the archaeology snapshot whose coupling risk scoring reads;
- the options that change the outcome (skip checks);
- what the holds and gates of later apps read (the ``CONVERGE_DECISION_INPUTS`` hooks, for
  example the intent's reviews), one digest per hook.

``DecisionInputs.parts`` keeps each input small (a SHA, a digest or a flag state) so that a
stored fingerprint can say which input changed. ``FINGERPRINT_VERSION`` is bumped whenever
the pipeline starts deciding differently from the same inputs, so that a stored decision is
never reused across such a change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

FINGERPRINT_VERSION = 1
INTENT_FIELDS: tuple[str, ...] = (
    "source",
    "target",
    "risk_level",
    "declared_risk_level",
    "priority",
    "origin_type",
    "tenant_id",
    "plan_id",
    "dependencies",
    "checks_required",
    "technical",
    "semantic",
)


def canonical_json(value: Any) -> str:
    """One spelling per value: sorted keys, no spaces, ASCII (non-JSON values as text)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)


def digest(value: Any) -> str:
    """SHA-256 hex of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value).encode("ascii")).hexdigest()


def policy_digest(policy: Mapping[str, Any], tenant_risk_policy: Mapping[str, Any] | None) -> str:
    """The policy document in force together with the tenant's stored risk policy."""
    return digest({"policy": policy, "tenant_risk_policy": tenant_risk_policy})


@dataclass(frozen=True)
class DecisionInputs:
    """Everything a validation decision is a function of (see the module docstring)."""

    source_sha: str
    target_sha: str
    intent: Mapping[str, Any]
    policy: str
    flags: Mapping[str, Any]
    archaeology_snapshot: int | None
    options: Mapping[str, Any] = field(default_factory=dict)
    extensions: Mapping[str, str] = field(default_factory=dict)

    def with_refs(self, source_sha: str, target_sha: str) -> DecisionInputs:
        return replace(self, source_sha=source_sha, target_sha=target_sha)

    def with_intent(self, **changes: Any) -> DecisionInputs:
        return replace(self, intent={**self.intent, **changes})

    def parts(self) -> dict[str, Any]:
        """The inputs as stored beside a decision: small, JSON-ready, comparable."""
        return {
            "version": FINGERPRINT_VERSION,
            "source_sha": self.source_sha,
            "target_sha": self.target_sha,
            "intent": digest({name: self.intent.get(name) for name in INTENT_FIELDS}),
            "policy": self.policy,
            "flags": {name: self.flags[name] for name in sorted(self.flags)},
            "archaeology_snapshot": self.archaeology_snapshot,
            "options": {name: self.options[name] for name in sorted(self.options)},
            "extensions": {name: self.extensions[name] for name in sorted(self.extensions)},
        }

    @property
    def fingerprint(self) -> str:
        return digest(self.parts())


def changed_inputs(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """Names of the parts that differ (``extensions.<hook>`` for a hook's part); every part
    when there is nothing before."""
    if before is None:
        return sorted(after)
    changed = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if name == "extensions" and isinstance(old, Mapping) and isinstance(new, Mapping):
            changed += [
                f"extensions.{hook}"
                for hook in sorted(set(old) | set(new))
                if old.get(hook) != new.get(hook)
            ]
        elif old != new:
            changed.append(name)
    return changed


def value_changed(
    previous: Mapping[str, Any] | None,
    current: Mapping[str, Any],
    *,
    ignore: tuple[str, ...] = ("timestamp",),
) -> bool:
    """Whether a periodic snapshot's value differs from the last recorded one (``ignore``
    names the keys that change with every reading, such as its timestamp)."""
    if previous is None:
        return True

    def value(snapshot: Mapping[str, Any]) -> str:
        return canonical_json({k: v for k, v in snapshot.items() if k not in ignore})

    return value(previous) != value(current)
