"""``converge agent``: agent policies, authorization, and code-ownership rules."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings

from agents.selectors import (
    agent_policy_get,
    agent_policy_list,
    ownership_file_document,
    ownership_for,
)
from agents.services import agent_authorize, agent_policy_set, ownership_set
from converge_core.agents import ACTIONS, ATL_LEVELS, SEVERITIES
from converge_core.strictbool import parse_bool
from intents.repositories import repository_resolve
from interfaces.commands import ConvergeCommand, UsageError

SWITCHES = (
    "require_compliance_pass",
    "require_human_approval",
    "require_dual_approval_on_critical",
)


class Command(ConvergeCommand):
    help = "Agent policies, authorization of an agent's action, and code-ownership rules."
    subcommands = {
        "policy-set": "Replace an agent's policy in a tenant.",
        "policy-get": "An agent's policy (every default when none is stored).",
        "policy-list": "Every stored agent policy.",
        "authorize": "May this agent perform this action on this intent now?",
        "ownership-set": "Store the ownership rules of the repository (from a JSON file).",
        "ownership-get": "The ownership rules in force for the repository.",
    }

    def arguments_policy_set(self, parser: ArgumentParser) -> None:
        parser.add_argument("--agent-id", required=True)
        parser.add_argument("--tenant-id")
        parser.add_argument("--atl", type=int, choices=ATL_LEVELS, default=0)
        parser.add_argument("--max-risk-score", type=float, default=30.0)
        parser.add_argument("--max-blast-severity", choices=SEVERITIES, default="low")
        parser.add_argument("--min-test-coverage", type=float, default=0.0)
        for switch in SWITCHES:
            parser.add_argument(f"--{switch.replace('_', '-')}", default="true")
        parser.add_argument("--allow-actions", default="analyze", help=f"of {', '.join(ACTIONS)}")
        parser.add_argument("--action-overrides-json", default="{}")
        parser.add_argument("--expires-at", help="ISO-8601 (no offset: UTC)")

    def handle_policy_set(self, **options: Any) -> Any:
        try:
            overrides = json.loads(options["action_overrides_json"])
        except json.JSONDecodeError as exc:
            raise UsageError(f"--action-overrides-json is not JSON: {exc}") from None
        data = {
            "agent_id": options["agent_id"],
            "tenant_id": options["tenant_id"],
            "atl": options["atl"],
            "max_risk_score": options["max_risk_score"],
            "max_blast_severity": options["max_blast_severity"],
            "min_test_coverage": options["min_test_coverage"],
            "allow_actions": [a.strip() for a in options["allow_actions"].split(",") if a.strip()],
            "action_overrides": overrides,
            "expires_at": options["expires_at"],
        }
        for switch in SWITCHES:
            data[switch] = parse_bool(options[switch], f"--{switch.replace('_', '-')}")
        return agent_policy_set(data=data, actor=settings.CONVERGE_ACTOR).as_dict()

    def arguments_policy_get(self, parser: ArgumentParser) -> None:
        parser.add_argument("--agent-id", required=True)
        parser.add_argument("--tenant-id")

    def handle_policy_get(self, **options: Any) -> Any:
        return agent_policy_get(options["agent_id"], options["tenant_id"]).as_dict()

    def arguments_policy_list(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")

    def handle_policy_list(self, **options: Any) -> Any:
        return [policy.as_dict() for policy in agent_policy_list(options["tenant_id"])]

    def arguments_authorize(self, parser: ArgumentParser) -> None:
        parser.add_argument("--agent-id", required=True)
        parser.add_argument("--action", required=True, choices=ACTIONS)
        parser.add_argument("--intent-id", required=True)
        parser.add_argument("--tenant-id")
        parser.add_argument(
            "--human-approvals",
            type=int,
            default=0,
            help="ignored (with a warning): approvals are counted from completed reviews",
        )

    def handle_authorize(self, **options: Any) -> Any:
        return agent_authorize(
            agent_id=options["agent_id"],
            action=options["action"],
            intent_id=options["intent_id"],
            tenant_id=options["tenant_id"],
            human_approvals=options["human_approvals"],
        )

    def arguments_ownership_set(self, parser: ArgumentParser) -> None:
        parser.add_argument("--file", required=True, help='{"rules": [...], "strict": false}')
        parser.add_argument("--tenant-id")

    def handle_ownership_set(self, **options: Any) -> Any:
        document = ownership_file_document(Path(options["file"]))
        return ownership_set(
            repository=repository_resolve(),
            tenant_id=options["tenant_id"],
            document=document,
            actor=settings.CONVERGE_ACTOR,
        )

    def arguments_ownership_get(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")

    def handle_ownership_get(self, **options: Any) -> Any:
        repository = repository_resolve()
        rules = ownership_for(repository, options["tenant_id"])
        return {"repository": repository.name, "tenant_id": options["tenant_id"], **rules.as_dict()}
