"""Reading API keys."""

from __future__ import annotations

import hmac
import json
from datetime import datetime

from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone

from access.keys import key_digest, key_prefix
from access.models import ApiKey

# What a principal is made of; the key's other fields load on access.
_PRINCIPAL_FIELDS = ("id", "key_hash", "key_prefix", "role", "actor", "tenant", "scopes")


def _active_candidates(prefix: str, now: datetime) -> list[tuple[object, ...]]:
    """The active keys sharing ``prefix``, read with one plain statement: every API request
    authenticates, and building the ORM query would cost it more than running it."""
    alias = ApiKey.objects.db
    connection = connections[alias]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(name) for name in _PRINCIPAL_FIELDS)
    sql = (
        f"SELECT {columns} FROM {quote(ApiKey._meta.db_table)} WHERE key_prefix = %s"
        " AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [prefix, connection.ops.adapt_datetimefield_value(now)])
        return cursor.fetchall()


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    """The active key matching ``raw_key``, or ``None``.

    Candidates are found by their non-secret prefix and confirmed with a constant-time
    comparison of the keyed hashes.
    """
    digest = key_digest(raw_key)
    match = None
    for row in _active_candidates(key_prefix(raw_key), timezone.now()):
        # compare every candidate so the time taken does not depend on which one matched
        if hmac.compare_digest(str(row[1]), digest):
            match = row
    if match is None:
        return None
    *fields, scopes = match
    # stored as JSON text (jsonb is read as text too): null, or a list of scopes
    values = [*fields, None if scopes is None else json.loads(str(scopes))]
    return ApiKey.from_db(ApiKey.objects.db, list(_PRINCIPAL_FIELDS), values)


def api_key_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.order_by("-created_at")
