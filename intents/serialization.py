"""The serialised forms of intents shared by the CLI, the API and the event payloads."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from converge_core.audit import format_timestamp
from intents.models import CommitLink, Intent

INTENT_FIELDS = (
    "id",
    "source",
    "target",
    "status",
    "created_at",
    "created_by",
    "risk_level",
    "priority",
    "semantic",
    "technical",
    "checks_required",
    "dependencies",
    "retries",
    "tenant_id",
    "plan_id",
    "origin_type",
    "repository",
    "declared_risk_level",
)


def intent_serialize(intent: Intent) -> dict[str, Any]:
    """The intent in its public key order; ``repository`` is the repository's name."""
    return {
        "id": intent.id,
        "source": intent.source,
        "target": intent.target,
        "status": intent.status,
        "created_at": format_timestamp(intent.created_at),
        "created_by": intent.created_by,
        "risk_level": intent.risk_level,
        "priority": intent.priority,
        "semantic": intent.semantic,
        "technical": intent.technical,
        "checks_required": intent.checks_required,
        "dependencies": intent.dependencies,
        "retries": intent.retries,
        "tenant_id": intent.tenant_id,
        "plan_id": intent.plan_id,
        "origin_type": intent.origin_type,
        "repository": intent.repository.name,
        "declared_risk_level": intent.declared_risk_level,
    }


_ROW_COLUMNS = tuple(field for field in INTENT_FIELDS if field != "repository") + (
    "repository__name",
)


def intent_rows(queryset: QuerySet[Intent]) -> list[dict[str, Any]]:
    """Many intents in the shape of :func:`intent_serialize`, read as plain values: lists of
    hundreds of intents skip building model instances, their largest cost."""
    rows = []
    for values in queryset.values(*_ROW_COLUMNS):
        values["repository"] = values.pop("repository__name")
        values["created_at"] = format_timestamp(values["created_at"])
        rows.append({field: values[field] for field in INTENT_FIELDS})
    return rows


def commit_link_serialize(link: CommitLink) -> dict[str, Any]:
    return {
        "intent_id": link.intent_id,
        "repo": link.repo,
        "sha": link.sha,
        "role": link.role,
        "observed_at": format_timestamp(link.observed_at),
    }
