"""The decision of validating an intent: what the pipeline found, typed, and its JSON form.

The pipeline, the queue and the worker read the fields; ``as_dict`` is the one rendering the
API, the CLI and the admin show. A block before the policy stage shows the simulation's
conflicts and the checks that ran; once the gates ran it shows the refs the merge will use,
the risk evaluation, the gates' verdict and the risk gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from converge_core.checks import CheckOutcome
from converge_core.git import Simulation
from converge_core.policy import PolicyEvaluation
from converge_core.risk import RiskEvaluation

VALIDATED = "validated"
BLOCKED = "blocked"


@dataclass(frozen=True)
class GateFindings:
    """What the policy stage judged: the risk evaluation and the verdict over every gate."""

    risk: RiskEvaluation
    policy: PolicyEvaluation


@dataclass(frozen=True)
class ValidationDecision:
    """``validated`` (the intent may be queued or merged now) or ``blocked``, and why."""

    decision: str
    intent_id: str
    trace_id: str | None = None
    risk_level: str | None = None
    reason: str | None = None  # why it is blocked
    simulation: Simulation | None = None
    checks: tuple[CheckOutcome, ...] = ()
    gates: GateFindings | None = None  # once the policy gates ran
    warnings: tuple[Mapping[str, str], ...] = ()
    dry_run: bool = False
    reused: bool = False  # the last decision again: nothing it depends on changed
    inputs_changed: tuple[str, ...] | None = None  # a system revalidation: what changed
    recorded: Mapping[str, Any] | None = None  # a reused decision as it was rendered then

    @classmethod
    def reused_from(
        cls,
        recorded: Mapping[str, Any],
        *,
        simulation: Simulation | None = None,
        trace_id: str | None = None,
    ) -> ValidationDecision:
        """The decision a stored rendering (``as_dict``) stands for, reused unchanged."""
        return cls(
            decision=str(recorded.get("decision", BLOCKED)),
            intent_id=str(recorded.get("intent_id", "")),
            trace_id=recorded.get("trace_id") or trace_id,
            risk_level=recorded.get("risk_level"),
            reason=recorded.get("reason"),
            simulation=simulation,
            warnings=tuple(recorded.get("warnings") or ()),
            reused=True,
            inputs_changed=(),
            recorded=recorded,
        )

    @property
    def is_validated(self) -> bool:
        return self.decision == VALIDATED

    def as_dict(self) -> dict[str, Any]:
        """The decision as the API and the CLI render it."""
        if self.recorded is not None:
            rendered = {
                key: value
                for key, value in self.recorded.items()
                if key not in ("reused", "inputs_changed", "dry_run")
            }
        else:
            rendered = self._rendered()
        if self.dry_run:
            rendered["dry_run"] = True
        if self.reused:
            rendered["reused"] = True
        if self.inputs_changed is not None:
            rendered["inputs_changed"] = list(self.inputs_changed)
        return rendered

    def _rendered(self) -> dict[str, Any]:
        rendered: dict[str, Any] = {"decision": self.decision, "intent_id": self.intent_id}
        if not self.is_validated:
            rendered["reason"] = self.reason
        rendered["trace_id"] = self.trace_id
        rendered["risk_level"] = self.risk_level
        simulation = self.simulation
        if self.gates is None and simulation is not None:
            rendered["simulation"] = {
                "mergeable": simulation.mergeable,
                "conflicts": list(simulation.conflicts),
                "files_changed": list(simulation.files_changed),
            }
        if not self.is_validated and self.checks:
            rendered["checks"] = [outcome.to_payload() for outcome in self.checks]
        if self.gates is not None:
            if simulation is not None:
                rendered["simulation"] = {
                    "mergeable": simulation.mergeable,
                    "files_changed": list(simulation.files_changed),
                    "source_sha": simulation.source_sha,
                    "target_sha": simulation.target_sha,
                    "tree_sha": simulation.tree_sha,
                }
            risk_gate = self.gates.policy.risk_gate
            rendered["risk"] = self.gates.risk.to_payload()
            rendered["policy"] = self.gates.policy.to_result()
            rendered["risk_gate"] = risk_gate.to_dict() if risk_gate is not None else None
        rendered["warnings"] = [dict(warning) for warning in self.warnings]
        return rendered
