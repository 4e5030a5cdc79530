"""``converge risk eval|shadow|gate|review|policy-set|policy-get``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from intents.risk import (
    risk_evaluate,
    risk_gate_report,
    risk_policy_get,
    risk_policy_set,
    risk_review,
    risk_shadow,
)
from interfaces.commands import ConvergeCommand


class Command(ConvergeCommand):
    help = "Risk: scores, the risk gate and per-tenant risk policies."
    subcommands = {
        "eval": "Score an intent from its latest simulation (records risk.evaluated).",
        "shadow": "The risk gate in shadow mode over the latest evaluation.",
        "gate": "Block rates of policy evaluations and risk-gate outcomes.",
        "review": "Risk, diagnostics, policy and history of one intent.",
        "policy-set": "Replace a tenant's risk policy.",
        "policy-get": "Show a tenant's risk policy.",
    }

    def arguments_eval(self, parser: ArgumentParser) -> None:
        parser.add_argument("--intent-id", required=True)
        parser.add_argument("--tenant-id", help="only within this tenant")

    def handle_eval(self, **options: Any) -> Any:
        return risk_evaluate(intent_id=options["intent_id"], tenant_id=options["tenant_id"])

    arguments_shadow = arguments_eval
    arguments_review = arguments_eval

    def handle_shadow(self, **options: Any) -> Any:
        return risk_shadow(intent_id=options["intent_id"], tenant_id=options["tenant_id"])

    def handle_review(self, **options: Any) -> Any:
        return risk_review(intent_id=options["intent_id"], tenant_id=options["tenant_id"])

    def arguments_gate(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")

    def handle_gate(self, **options: Any) -> Any:
        return risk_gate_report(tenant_id=options["tenant_id"])

    def arguments_policy_set(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id", required=True)
        parser.add_argument("--max-risk-score", type=float)
        parser.add_argument("--max-damage-score", type=float)
        parser.add_argument("--max-propagation-score", type=float)
        parser.add_argument("--mode", choices=("shadow", "enforce"))
        parser.add_argument("--enforce-ratio", type=float)

    def handle_policy_set(self, **options: Any) -> Any:
        fields = (
            "max_risk_score",
            "max_damage_score",
            "max_propagation_score",
            "mode",
            "enforce_ratio",
        )
        return risk_policy_set(
            tenant_id=options["tenant_id"],
            data={name: options[name] for name in fields},
            actor=settings.CONVERGE_ACTOR,
        )

    def arguments_policy_get(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id", required=True)

    def handle_policy_get(self, **options: Any) -> Any:
        return risk_policy_get(tenant_id=options["tenant_id"])
