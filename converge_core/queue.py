"""Merge-queue decisions over plain values: batch order, dependency verdicts, retries.

The queue walks candidates of one (repository, target) in priority order. Within a batch a
candidate never goes before an intent it depends on, so a plan merges in one run whatever
the priorities say. A dependency verdict explains why an intent must wait (missing,
rejected, cyclic, not merged yet) and never costs a retry.

Dependencies resolve within a tenant: another tenant's intent is an unknown id to a
dependent — it never satisfies the dependency, never orders the batch and never shows in a
cycle (decisions §15, §41).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from converge_core.plans import format_cycle
from converge_core.states import Status


@dataclass(frozen=True)
class Candidate:
    intent_id: str
    priority: int
    dependencies: tuple[str, ...]
    retries: int
    tenant_id: str | None = None


def order_batch(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Queue order (as given), except that a candidate waits for its in-batch dependencies.

    Candidates caught in a dependency cycle keep their queue order; the dependency verdict
    reports the cycle.
    """
    by_id = {candidate.intent_id: candidate for candidate in candidates}
    placed: set[str] = set()
    ordered: list[Candidate] = []
    pending = list(candidates)
    while pending:
        progress = False
        for candidate in list(pending):
            waits_for = [
                d
                for d in candidate.dependencies
                if d in by_id and d not in placed and by_id[d].tenant_id == candidate.tenant_id
            ]
            if not waits_for:
                ordered.append(candidate)
                placed.add(candidate.intent_id)
                pending.remove(candidate)
                progress = True
                break
        if not progress:  # only cycles remain: keep their order
            ordered.extend(pending)
            break
    return ordered


@dataclass(frozen=True)
class DependencyVerdict:
    """Why an intent cannot merge yet because of its dependencies."""

    reason: str
    unmet: tuple[str, ...]

    def as_payload(self, dependencies: Iterable[str], plan_id: str | None) -> dict[str, object]:
        return {
            "reason": self.reason,
            "unmet_dependencies": list(self.unmet),
            "all_dependencies": list(dependencies),
            "plan_id": plan_id,
        }


def find_cycle(
    start: str,
    graph: Mapping[str, Sequence[str]],
    tenants: Mapping[str, str | None] | None = None,
) -> list[str] | None:
    """A dependency cycle through ``start`` in ``graph`` (id -> dependencies), if any.

    With ``tenants`` (id -> tenant of every known id) the walk follows only edges to intents
    of ``start``'s tenant.
    """

    def edges(node: str) -> list[str]:
        deps = graph.get(node, ())
        if tenants is None:
            return list(deps)
        own = tenants.get(start)
        return [dep for dep in deps if dep in tenants and tenants[dep] == own]

    stack: list[tuple[str, list[str]]] = [(dep, [start, dep]) for dep in edges(start)]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        if node == start:
            return path
        if node in seen:
            continue
        seen.add(node)
        stack.extend((dep, [*path, dep]) for dep in edges(node))
    return None


def visible_statuses(
    intent_id: str,
    dependencies: Iterable[str],
    statuses: Mapping[str, str],
    tenants: Mapping[str, str | None],
) -> dict[str, str]:
    """The statuses of ``intent_id``'s dependencies that live in its own tenant; the others
    are left out, exactly like ids that do not exist."""
    own = tenants.get(intent_id)
    return {
        dep: statuses[dep]
        for dep in dependencies
        if dep in statuses and dep in tenants and tenants[dep] == own
    }


def dependency_verdict(
    intent_id: str,
    dependencies: Sequence[str],
    statuses: Mapping[str, str],
    graph: Mapping[str, Sequence[str]],
    tenants: Mapping[str, str | None] | None = None,
) -> DependencyVerdict | None:
    """``None`` when every dependency is MERGED; else the first reason, most final first.

    ``statuses`` holds the current status of every known intent id (a missing id is an
    unknown dependency); ``graph`` maps intent ids to their dependencies for cycle checks;
    ``tenants`` (id -> tenant) confines both to ``intent_id``'s tenant.
    """
    if not dependencies:
        return None
    if tenants is not None:
        statuses = visible_statuses(intent_id, dependencies, statuses, tenants)
    missing = [dep for dep in dependencies if dep not in statuses]
    rejected = [dep for dep in dependencies if statuses.get(dep) == Status.REJECTED]
    unmet = tuple(dep for dep in dependencies if statuses.get(dep) != Status.MERGED)
    if not unmet:
        return None
    if rejected:
        return DependencyVerdict(f"Dependency rejected: {', '.join(rejected)}", unmet)
    cycle = find_cycle(intent_id, graph, tenants)
    if cycle is not None:
        return DependencyVerdict(f"Dependency cycle: {format_cycle(cycle)}", unmet)
    if missing:
        return DependencyVerdict(f"Dependency missing: {', '.join(missing)}", unmet)
    return DependencyVerdict("Unmet dependencies", unmet)


def retry_outcome(retries: int, max_retries: int) -> tuple[int, bool]:
    """Charge one failure: the new retry count and whether the intent is now rejected."""
    charged = retries + 1
    return charged, charged >= max_retries


def exhausted(retries: int, max_retries: int) -> bool:
    """An intent picked up with retries already at the bound is rejected without a run."""
    return retries >= max_retries


def parse_targets(value: str | None, default: str) -> list[str] | None:
    """``--target``: one branch, a comma list, or ``*`` (``None`` = every target)."""
    text = (value or default).strip()
    if text == "*":
        return None
    targets = [part.strip() for part in text.split(",") if part.strip()]
    return list(dict.fromkeys(targets)) or [default]
