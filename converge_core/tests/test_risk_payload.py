"""The evaluation payload (risk-policy §1.11), evidence, impact edges, findings and inputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from converge_core.errors import InvalidInput
from converge_core.risk import CouplingRecord, RiskIntent, RiskSimulation, evaluate_risk

NOW = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
INTENT = RiskIntent(
    "intent-a",
    "feature/a",
    "main",
    "medium",
    ("dep-1",),
    ("auth",),
    tenant_id="acme",
)
SIM = RiskSimulation(files_changed=("src/auth/login.py", "src/auth/utils.py"))


def test_payload_keys_in_order_and_json_serialisable() -> None:
    payload = evaluate_risk(INTENT, SIM, now=NOW).to_payload()
    assert list(payload) == [
        "intent_id",
        "risk_score",
        "damage_score",
        "entropy_score",
        "propagation_score",
        "containment_score",
        "signals",
        "findings",
        "impact_edges",
        "graph_metrics",
        "bombs",
        "timestamp",
        "tenant_id",
        "scoring_version",
        "diagnostics",
    ]
    assert list(payload["signals"]) == [
        "entropic_load",
        "contextual_value",
        "complexity_delta",
        "path_dependence",
    ]
    assert json.loads(json.dumps(payload)) == payload
    assert (payload["intent_id"], payload["tenant_id"]) == ("intent-a", "acme")


def test_scores_are_floats() -> None:
    payload = evaluate_risk(INTENT, SIM, now=NOW).to_payload()
    numbers = [payload[k] for k in ("risk_score", "damage_score", "entropy_score")]
    numbers += [payload["propagation_score"], payload["containment_score"]]
    numbers += list(payload["signals"].values())
    assert all(type(n) is float for n in numbers)


def test_timestamp_is_utc_iso_with_microseconds() -> None:
    plus_two = datetime(2025, 1, 2, 5, 4, 5, 678901, tzinfo=timezone(timedelta(hours=2)))
    assert evaluate_risk(INTENT, SIM, now=plus_two).to_payload()["timestamp"] == (
        "2025-01-02T03:04:05.678901+00:00"
    )
    assert evaluate_risk(INTENT, SIM).timestamp.tzinfo is UTC
    with pytest.raises(InvalidInput):
        evaluate_risk(INTENT, SIM, now=datetime(2025, 1, 2))


def test_payload_is_a_copy() -> None:
    ev = evaluate_risk(INTENT, SIM, now=NOW)
    payload = ev.to_payload()
    payload["findings"].clear()
    payload["graph_metrics"]["nodes"] = -1
    assert ev.to_payload()["findings"] and ev.graph_metrics["nodes"] != -1


def test_evidence() -> None:
    files = tuple(f"src/m{i % 3}/f{i}.py" for i in range(15))
    intent = RiskIntent("intent-c", "feature/c", "main", "medium", ("d1", "d2", "d3", "d4"))
    sim = RiskSimulation(mergeable=False, conflicts=(files[0],), files_changed=files)
    ev = evaluate_risk(intent, sim, version=1, now=NOW)
    assert ev.evidence() == {
        "risk_score": ev.risk_score,
        "damage_score": ev.damage_score,
        "signals": ev.signals.as_dict(),
        "bombs": ["spiral", "thermal_death"],
    }


def test_unknown_scoring_version_is_rejected() -> None:
    with pytest.raises(InvalidInput):
        evaluate_risk(INTENT, SIM, version=3)


def test_impact_edges_in_order_with_at_most_twenty_files() -> None:
    files = tuple(f"f{i}.py" for i in range(25))
    edges = evaluate_risk(INTENT, RiskSimulation(files_changed=files), now=NOW).impact_edges
    assert edges[:3] == [
        {"source": "feature/a", "target": "main", "type": "merge_target", "weight": 1.0},
        {"source": "intent-a", "target": "dep-1", "type": "depends_on", "weight": 0.8},
        {"source": "intent-a", "target": "auth", "type": "touches_scope", "weight": 0.5},
    ]
    assert edges[3] == {
        "source": "intent-a",
        "target": "f0.py",
        "type": "modifies_file",
        "weight": 0.3,
    }
    assert len(edges) == 3 + 20


def test_large_change_finding_starts_above_fifteen_files() -> None:
    def codes(n: int) -> list[str]:
        sim = RiskSimulation(files_changed=tuple(f"f{i}.py" for i in range(n)))
        return [f["code"] for f in evaluate_risk(INTENT, sim, now=NOW).findings]

    assert "semantic.large_change" not in codes(15)
    assert codes(16)[0] == "semantic.large_change"


def test_containment_counts_distinct_boundary_tokens() -> None:
    # target + dep-1 + auth + 2 files = 5 crossings, K = 2: 1 - 0.25 - 0.03.
    assert evaluate_risk(INTENT, SIM, now=NOW).containment_score == 0.72


def test_simulation_from_a_stored_payload() -> None:
    stored = {"mergeable": False, "conflicts": ["a.py"], "files_changed": ["a.py", "b.py"]}
    assert RiskSimulation.from_payload(stored) == RiskSimulation(False, ("a.py",), ("a.py", "b.py"))
    assert RiskSimulation.from_payload({}) == RiskSimulation()


def test_list_inputs_become_tuples() -> None:
    intent = RiskIntent("i", "s", "main", "low", ["d"], ["x"])  # type: ignore[arg-type]
    assert (intent.dependencies, intent.scope_hint) == (("d",), ("x",))


@pytest.mark.parametrize(
    "build",
    [
        lambda: RiskIntent("", "s", "main", "low"),
        lambda: RiskIntent("i", "s", "main", "low", "dep"),
        lambda: RiskIntent("i", "s", "main", "low", tenant_id=""),
        lambda: RiskSimulation(mergeable="yes"),
        lambda: RiskSimulation(files_changed=("a.py", 3)),
        lambda: CouplingRecord("a.py", "b.py", 0),
        lambda: CouplingRecord("a.py", "b.py", 1.5),
        lambda: CouplingRecord("a.py", "", 2),
        lambda: CouplingRecord.from_payload({"file_a": "a.py"}),
    ],
)
def test_invalid_inputs_are_rejected(build: Callable[[], object]) -> None:
    with pytest.raises(InvalidInput):
        build()
