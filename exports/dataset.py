"""The decision dataset (operations §10.1): one record per intent, joining the intent with its
latest ``simulation.completed``, ``risk.evaluated`` and ``policy.evaluated`` events.

Records are produced in pages of intents, three event queries per page (one per event type),
so memory stays constant however many intents there are. Rendering is line by line: JSON
lines, or CSV whose text cells are guarded against formula injection (interfaces §1.4 note 8).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from converge_core.errors import InvalidInput
from intents.models import Intent
from ledger.selectors import latest_payloads

COLUMNS: tuple[str, ...] = (
    "intent_id",
    "source",
    "target",
    "status",
    "risk_level",
    "priority",
    "retries",
    "tenant_id",
    "created_at",
    "mergeable",
    "conflict_count",
    "files_changed_count",
    "risk_score",
    "damage_score",
    "entropy_score",
    "propagation_score",
    "containment_score",
    "entropic_load",
    "contextual_value",
    "complexity_delta",
    "path_dependence",
    "bomb_count",
    "bomb_types",
    "policy_verdict",
    "policy_profile",
    "graph_nodes",
    "graph_edges",
    "graph_density",
)
FORMATS: tuple[str, ...] = ("jsonl", "csv")
CONTENT_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}
PAGE = 1000
# A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_INTENT_FIELDS = (
    "id",
    "source",
    "target",
    "status",
    "risk_level",
    "priority",
    "retries",
    "tenant_id",
    "created_at",
)
_SIGNALS = ("entropic_load", "contextual_value", "complexity_delta", "path_dependence")
_SCORES = ("risk_score", "damage_score", "entropy_score", "propagation_score", "containment_score")


@dataclass(frozen=True)
class DatasetFilter:
    """Which intents the dataset covers: a tenant (``None``: every tenant) and a window on
    the intents' creation time (both ends inclusive)."""

    tenant_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    intent_ids: tuple[str, ...] | None = None  # only these (the admin's selection)

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise InvalidInput("since must not be after until", field="since")


def clean_format(value: str) -> str:
    if value not in FORMATS:
        raise InvalidInput(f"Invalid format {value!r}: use {' or '.join(FORMATS)}", field="format")
    return value


def _intent_rows(scope: DatasetFilter) -> Iterator[tuple[Any, ...]]:
    intents = Intent.objects.order_by("created_at", "id")
    if scope.tenant_id is not None:
        intents = intents.filter(tenant_id=scope.tenant_id)
    if scope.since is not None:
        intents = intents.filter(created_at__gte=scope.since)
    if scope.until is not None:
        intents = intents.filter(created_at__lte=scope.until)
    if scope.intent_ids is not None:
        intents = intents.filter(pk__in=scope.intent_ids)
    return intents.values_list(*_INTENT_FIELDS).iterator(chunk_size=PAGE)


def _pages(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    page: list[tuple[Any, ...]] = []
    for row in rows:
        page.append(row)
        if len(page) == PAGE:
            yield page
            page = []
    if page:
        yield page


def _number(payload: Mapping[str, Any] | None, key: str) -> Any:
    return None if payload is None else payload.get(key)


def _length(payload: Mapping[str, Any] | None, key: str) -> int | None:
    if payload is None:
        return None
    value = payload.get(key)
    return len(value) if isinstance(value, list) else None


def decision_record(
    intent: tuple[Any, ...],
    simulation: Mapping[str, Any] | None,
    risk: Mapping[str, Any] | None,
    policy: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """One DecisionRecord, its keys in :data:`COLUMNS` order; a missing source gives nulls."""
    record: dict[str, Any] = dict(zip(("intent_id", *_INTENT_FIELDS[1:]), intent, strict=True))
    record["created_at"] = intent[-1].isoformat(timespec="microseconds")
    record["mergeable"] = _number(simulation, "mergeable")
    record["conflict_count"] = _length(simulation, "conflicts")
    record["files_changed_count"] = _length(simulation, "files_changed")
    for key in _SCORES:
        record[key] = _number(risk, key)
    signals = (risk or {}).get("signals") or {}
    for key in _SIGNALS:
        record[key] = signals.get(key) if risk is not None else None
    bombs = (risk or {}).get("bombs")
    bombs = bombs if isinstance(bombs, list) else None
    record["bomb_count"] = None if bombs is None else len(bombs)
    record["bomb_types"] = None if bombs is None else [str(bomb.get("type")) for bomb in bombs]
    record["policy_verdict"] = _number(policy, "verdict")
    record["policy_profile"] = _number(policy, "profile_used")
    graph = (risk or {}).get("graph_metrics") or {}
    for key in ("nodes", "edges", "density"):
        record[f"graph_{key}"] = graph.get(key) if risk is not None else None
    return record


def decision_records(scope: DatasetFilter) -> Iterator[dict[str, Any]]:
    """Every record of the dataset, oldest intent first, a page of intents at a time."""
    for page in _pages(_intent_rows(scope)):
        ids = [row[0] for row in page]
        simulations = latest_payloads(intent_ids=ids, event_type="simulation.completed")
        risks = latest_payloads(intent_ids=ids, event_type="risk.evaluated")
        policies = latest_payloads(intent_ids=ids, event_type="policy.evaluated")
        for row in page:
            yield decision_record(
                row, simulations.get(row[0]), risks.get(row[0]), policies.get(row[0])
            )


def guard_cell(value: Any) -> Any:
    """A CSV cell: text starting like a formula gets a leading ``'``; numbers stay numbers,
    nulls become empty cells."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_row(record: Mapping[str, Any]) -> list[Any]:
    row = []
    for column in COLUMNS:
        value = record[column]
        if column == "bomb_types" and value is not None:
            value = ",".join(value)
        row.append(guard_cell(value))
    return row


def render_lines(records: Iterable[Mapping[str, Any]], fmt: str) -> Iterator[str]:
    """The export as text chunks, one per record (the CSV header first, only when there is
    at least one record: no records, empty output)."""
    if fmt == "jsonl":
        for record in records:
            yield json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = True
    for record in records:
        if header:
            writer.writerow(COLUMNS)
            header = False
        writer.writerow(csv_row(record))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
