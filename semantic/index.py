"""The semantic index: embedding intents, reindexing, and its coverage (operations §5.3).

A vector is stale when the checksum of its intent's canonical text changed since it was
embedded. Indexing writes ``embedding.generated`` only when a vector was (re)written; a
reindex writes one ``embedding.reindexed`` with its counts (not on a dry run).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from converge_core.progress import SILENT, Progress
from converge_core.semantic import canonical_text, checksum, vector_bytes
from converge_core.states import ACTIVE
from intents.models import Intent
from ledger.append import event_append
from semantic.conflicts import conflict_scan_automatic
from semantic.models import Embedding
from semantic.providers import Provider, provider_get
from semantic.texts import intent_texts


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _stored(intent_ids: Iterable[str], model: str) -> dict[str, str]:
    """Intent id → checksum of its stored vector under ``model``."""
    return dict(
        Embedding.objects.filter(intent_id__in=list(intent_ids), model=model).values_list(
            "intent_id", "checksum"
        )
    )


def _write(
    provider: Provider, intents: Sequence[Intent], *, actor: str, record_each: bool
) -> list[dict[str, Any]]:
    """Embed ``intents`` in one batch and upsert their vectors; one result per intent."""
    texts = intent_texts(intents)
    canonical = {pk: canonical_text(text) for pk, text in texts.items()}
    vectors = provider.embed([provider.text_of(texts[intent.pk]) for intent in intents])
    now = timezone.now()
    results = []
    with transaction.atomic():
        for intent, vector in zip(intents, vectors, strict=True):
            digest = checksum(canonical[intent.pk])
            Embedding.objects.update_or_create(
                intent=intent,
                model=provider.model,
                defaults={
                    "tenant_id": intent.tenant_id,
                    "provider": provider.name,
                    "dimension": int(vector.shape[0]),
                    "vector": vector_bytes(vector),
                    "checksum": digest,
                    "generated_at": now,
                },
            )
            if record_each:
                event_append(
                    event_type="embedding.generated",
                    intent_id=intent.pk,
                    tenant_id=intent.tenant_id,
                    agent_id=actor,
                    payload={
                        "model": provider.model,
                        "dimension": int(vector.shape[0]),
                        "checksum": digest,
                    },
                    evidence={"canonical_length": len(canonical[intent.pk])},
                )
            results.append(
                {
                    "intent_id": intent.pk,
                    "status": "indexed",
                    "model": provider.model,
                    "checksum": digest,
                }
            )
    return results


def _pending(provider: Provider, intents: Sequence[Intent], force: bool) -> list[Intent]:
    """Those of ``intents`` whose vector is missing or stale (all of them with ``force``)."""
    if force:
        return list(intents)
    stored = _stored((i.pk for i in intents), provider.model)
    texts = intent_texts(intents)
    return [
        intent
        for intent in intents
        if stored.get(intent.pk) != checksum(canonical_text(texts[intent.pk]))
    ]


def index_one(
    *, intent_id: str, provider: str | None = None, force: bool = False, actor: str
) -> dict[str, Any]:
    """Embed one intent unless its stored vector is up to date (operations §5.3)."""
    chosen = provider_get(provider)
    intent = Intent.objects.filter(pk=intent_id).first()
    if intent is None:
        return {"intent_id": intent_id, "status": "error", "reason": "not_found"}
    if not _pending(chosen, [intent], force):
        stored = _stored([intent.pk], chosen.model)[intent.pk]
        return {
            "intent_id": intent_id,
            "status": "skipped",
            "reason": "up_to_date",
            "model": chosen.model,
            "checksum": stored,
        }
    result = _write(chosen, [intent], actor=actor, record_each=True)[0]
    if intent.status in ACTIVE and chosen.model == provider_get().model:
        scan = conflict_scan_automatic(
            actor=actor, repository_id=intent.repository_id, tenant_id=intent.tenant_id
        )
        if scan is not None:
            result["scan"] = scan["persisted"]
    return result


def _chunks(queryset: QuerySet[Intent], size: int) -> Iterable[list[Intent]]:
    """The intents in primary-key order, ``size`` at a time (keyset pages, not offsets)."""
    last: str | None = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def reindex(
    *,
    tenant_id: str | None = None,
    provider: str | None = None,
    force: bool = False,
    dry_run: bool = False,
    actor: str,
    batch_size: int | None = None,
    progress: Progress = SILENT,
) -> dict[str, Any]:
    """(Re)embed every intent of the tenant (any status) whose vector is missing or stale,
    in batches; a failing batch is retried intent by intent and the failures reported."""
    chosen = provider_get(provider)
    size = batch_size or settings.CONVERGE_SEMANTIC_BATCH_SIZE
    intents = Intent.objects.all()
    if tenant_id is not None:
        intents = intents.filter(tenant_id=tenant_id)
    total = intents.count()
    indexed = skipped = 0
    failures: list[dict[str, str]] = []
    dimension = chosen.dimension
    progress.start("reindex", total=total)
    for chunk in _chunks(intents, size):
        pending = _pending(chosen, chunk, force)
        skipped += len(chunk) - len(pending)
        if dry_run:
            indexed += len(pending)
        elif pending:
            try:
                indexed += len(_write(chosen, pending, actor=actor, record_each=False))
            except Exception:
                for intent in pending:
                    try:
                        indexed += len(_write(chosen, [intent], actor=actor, record_each=False))
                    except Exception as error:
                        failures.append({"intent_id": intent.pk, "error": str(error)[:500]})
        progress.advance(len(chunk))
    result: dict[str, Any] = {
        "indexed": indexed,
        "skipped": skipped,
        "failed": len(failures),
        "total": total,
        "model": chosen.model,
        "dimension": dimension,
        "dry_run": dry_run,
        "tenant_id": tenant_id,
        "timestamp": timezone.now().isoformat(),
    }
    if failures:
        result["failures"] = failures
    if not dry_run and total:
        event_append(
            event_type="embedding.reindexed",
            tenant_id=tenant_id,
            agent_id=actor,
            payload=result,
            evidence={"total": total, "indexed": indexed},
        )
    if not dry_run and indexed and chosen.model == provider_get().model:
        scan = conflict_scan_automatic(actor=actor, tenant_id=tenant_id)
        if scan is not None:
            result["scan"] = scan["persisted"]
    return result


def index_pending(*, actor: str, limit: int = 500) -> dict[str, Any]:
    """Embed in-flight intents whose vector under the active model is missing or stale (the
    beat's indexing of new and changed intents), then scan the groups that changed."""
    chosen = provider_get()
    indexed: list[dict[str, Any]] = []
    touched: set[tuple[int, str | None]] = set()
    active = Intent.objects.filter(status__in=list(ACTIVE))
    for chunk in _chunks(active, 1000):
        pending = _pending(chosen, chunk, False)
        size = settings.CONVERGE_SEMANTIC_BATCH_SIZE
        for start in range(0, len(pending), size):
            batch = pending[start : start + size]
            indexed += _write(chosen, batch, actor=actor, record_each=True)
            touched.update((i.repository_id, i.tenant_id) for i in batch)
        if len(indexed) >= limit:
            break
    opened = 0
    for repository_id, tenant_id in sorted(touched, key=str):
        scan = conflict_scan_automatic(
            actor=actor, repository_id=repository_id, tenant_id=tenant_id
        )
        opened += scan["persisted"]["opened"] if scan is not None else 0
    return {"indexed": len(indexed), "model": chosen.model, "opened": opened}


def index_status(*, tenant_id: str | None = None, model: str | None = None) -> dict[str, Any]:
    """Coverage of the index: intents, those with a vector (of ``model`` if given), stale
    vectors (checksum no longer the intent's), and the latest model and time, all filtered."""
    intents = Intent.objects.all()
    embeddings = Embedding.objects.all()
    if tenant_id is not None:
        intents = intents.filter(tenant_id=tenant_id)
        embeddings = embeddings.filter(intent__tenant_id=tenant_id)
    if model:
        embeddings = embeddings.filter(model=model)
    total = intents.count()
    indexed = embeddings.values("intent_id").distinct().count()
    latest = embeddings.aggregate(last=Max("generated_at"))["last"]
    last_model = (
        embeddings.filter(generated_at=latest).values_list("model", flat=True).first()
        if latest is not None
        else None
    )
    stale = 0
    current: dict[str, str] = {}
    for chunk in _chunks(intents, 1000):
        texts = intent_texts(chunk)
        current.update({pk: checksum(canonical_text(t)) for pk, t in texts.items()})
        rows = embeddings.filter(intent_id__in=[i.pk for i in chunk]).values_list(
            "intent_id", "checksum"
        )
        stale += len({pk for pk, digest in rows if current[pk] != digest})
        current.clear()
    return {
        "total_intents": total,
        "indexed": indexed,
        "not_indexed": total - indexed,
        "indexed_pct": round(100.0 * indexed / total, 1) if total else 0.0,
        "stale": stale,
        "last_model": last_model,
        "last_generated_at": _iso(latest),
        "active_model": provider_get().model,
    }
