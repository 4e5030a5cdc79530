"""Which events ``audit prune`` may remove: a retention policy on top of the ledger.

Only events of finished (MERGED or REJECTED) intents whose whole history is older than the
cut-off go, and intent-less events older than it (never ``audit.*``). The final row of each
pruned intent is kept in the checkpoint so ``audit rebuild-intents`` can start from it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from converge_core.audit import format_timestamp
from converge_core.errors import InvalidInput
from converge_core.progress import SILENT, Progress
from converge_core.states import TERMINAL
from intents.models import Intent
from intents.serialization import intent_serialize
from ledger.prune import events_prune, prune_candidates

# intents read a query for the checkpoint (an IN list SQLite and PostgreSQL both take)
_SNAPSHOT_BATCH = 500


def _final_rows(intent_ids: set[str]) -> dict[str, dict[str, Any]]:
    ordered = sorted(intent_ids)
    rows: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ordered), _SNAPSHOT_BATCH):
        batch = ordered[start : start + _SNAPSHOT_BATCH]
        intents = Intent.objects.select_related("repository").filter(pk__in=batch)
        rows.update({intent.id: intent_serialize(intent) for intent in intents})
    return rows


def audit_prune(
    *,
    retention_days: int = 90,
    tenant_id: str | None = None,
    dry_run: bool = False,
    progress: Progress = SILENT,
) -> dict[str, Any]:
    """Delete old events that no active intent needs, recording a checkpoint first."""
    if retention_days < 1:
        raise InvalidInput("--retention-days must be at least 1", field="retention_days")
    before = timezone.now() - timedelta(days=retention_days)
    candidates = prune_candidates(
        before=before,
        finished=Intent.objects.filter(status__in=TERMINAL),
        known=Intent.objects.all(),
        tenant_id=tenant_id,
    )
    if dry_run:
        return {"pruned": candidates.count(), "before": format_timestamp(before), "dry_run": True}
    return events_prune(
        candidates=candidates,
        before=before,
        snapshot=_final_rows,
        tenant_id=tenant_id,
        progress=progress,
    )
