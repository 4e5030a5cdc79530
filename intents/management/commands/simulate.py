"""``converge simulate --source B --target T [--intent-id X]``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from converge_core.ids import new_trace_id
from intents.cleaning import clean_ref
from intents.gitaccess import git_for
from intents.repositories import repository_resolve
from intents.selectors import intent_get
from intents.simulations import simulation_evidence
from interfaces.commands import ConvergeCommand
from ledger.recorder import Recorder


class Command(ConvergeCommand):
    help = "Simulate merging a source into a target in memory (nothing is merged)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--source", required=True)
        parser.add_argument("--target", required=True)
        parser.add_argument("--intent-id", help="record the simulation on this intent")

    def dispatch(self, options: dict[str, Any]) -> Any:
        source = clean_ref(options["source"], "source")
        target = clean_ref(options["target"], "target")
        intent = intent_get(options["intent_id"]) if options["intent_id"] else None
        repository = intent.repository if intent else repository_resolve()
        simulation = git_for(repository).simulate(source, target)
        if intent is not None:
            Recorder(
                intent_id=intent.id,
                tenant_id=intent.tenant_id,
                trace_id=new_trace_id(),
                dry_run=False,
            ).emit("simulation.completed", simulation.to_payload(), simulation_evidence(simulation))
        return {**simulation.to_payload(), "timestamp": simulation.timestamp.isoformat()}
