"""Exporting the decision dataset to a file or a stream, and recording that it happened."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from converge_core.progress import SILENT, Progress
from exports.dataset import DatasetFilter, clean_format, decision_records, render_lines
from intents.models import Intent
from interfaces.home import ensure_home
from ledger.append import event_append


def default_output(fmt: str) -> Path:
    return Path(settings.CONVERGE_HOME) / "datasets" / f"decisions.{fmt}"


def _record_export(
    *, records: int, fmt: str, output_path: str | None, scope: DatasetFilter, actor: str
) -> dict[str, Any]:
    result = {
        "records": records,
        "format": fmt,
        "output_path": output_path,
        "timestamp": timezone.now().isoformat(timespec="microseconds"),
    }
    event_append(
        event_type="dataset.exported",
        payload={
            **result,
            "tenant_id": scope.tenant_id,
            "since": scope.since.isoformat() if scope.since else None,
            "until": scope.until.isoformat() if scope.until else None,
        },
        evidence={"records": records},
        tenant_id=scope.tenant_id,
        agent_id=actor,
    )
    return result


def _count(scope: DatasetFilter) -> int:
    intents = Intent.objects.all()
    if scope.intent_ids is not None:
        intents = intents.filter(pk__in=scope.intent_ids)
    if scope.tenant_id is not None:
        intents = intents.filter(tenant_id=scope.tenant_id)
    if scope.since is not None:
        intents = intents.filter(created_at__gte=scope.since)
    if scope.until is not None:
        intents = intents.filter(created_at__lte=scope.until)
    return intents.count()


def export_decisions(
    *,
    fmt: str = "jsonl",
    output: str | None = None,
    scope: DatasetFilter | None = None,
    actor: str = "system",
    progress: Progress = SILENT,
) -> dict[str, Any]:
    """Write the dataset to ``output`` (default ``$CONVERGE_HOME/datasets/decisions.<fmt>``)
    and record ``dataset.exported``. The file appears complete or not at all: it is written
    beside its destination and renamed into place."""
    fmt = clean_format(fmt)
    scope = scope or DatasetFilter()
    path = Path(output) if output else default_output(fmt)
    if not output:
        ensure_home(Path(settings.CONVERGE_HOME))
    path = path.expanduser().absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    progress.start("Exporting decisions", _count(scope))
    records = 0
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            for chunk in render_lines(_counted(decision_records(scope), progress), fmt):
                out.write(chunk)
                records += 1
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return _record_export(records=records, fmt=fmt, output_path=str(path), scope=scope, actor=actor)


def _counted(records: Iterator[dict[str, Any]], progress: Progress) -> Iterator[dict[str, Any]]:
    for record in records:
        yield record
        progress.advance()


def export_stream(
    *, fmt: str = "jsonl", scope: DatasetFilter | None = None, actor: str = "system"
) -> Iterator[bytes]:
    """The dataset as bytes for a streamed HTTP response; ``dataset.exported`` is recorded
    once the last record was sent."""
    fmt = clean_format(fmt)
    scope = scope or DatasetFilter()
    records = 0
    for chunk in render_lines(decision_records(scope), fmt):
        records += 1
        yield chunk.encode("utf-8")
    _record_export(records=records, fmt=fmt, output_path=None, scope=scope, actor=actor)
