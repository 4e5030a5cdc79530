"""Services of the access domain: issuing, seeding, rotating and revoking API keys, and
recording access decisions."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from access.choices import KeySource
from access.errors import Unauthenticated
from access.keys import key_digest, key_prefix, new_raw_key, parse_key_entries
from access.models import ApiKey
from access.principal import Principal
from converge_core.errors import NotFound
from ledger.append import event_append

logger = logging.getLogger("converge.security")

GRACE_MIN_SECONDS = 60
GRACE_MAX_SECONDS = 86_400
GRACE_DEFAULT_SECONDS = 3_600


def api_key_create(
    *,
    role: str,
    actor: str,
    tenant: str | None = None,
    scopes: list[str] | None = None,
    source: str = KeySource.ROTATION,
    raw_key: str | None = None,
    rotated_from: ApiKey | None = None,
) -> tuple[ApiKey, str]:
    """Store a key (a fresh random one unless given); returns the row and the raw key, which
    is never stored and cannot be shown again."""
    raw_key = raw_key or new_raw_key()
    key = ApiKey.objects.create(
        key_hash=key_digest(raw_key),
        key_prefix=key_prefix(raw_key),
        role=role,
        actor=actor,
        tenant=tenant,
        scopes=scopes,
        source=source,
        rotated_from=rotated_from,
    )
    return key, raw_key


def api_keys_seed(*, entries: str) -> dict[str, int]:
    """Insert the keys of ``CONVERGE_API_KEYS`` that the database does not know yet.

    Insert-only by hash: a key already stored — even expired or revoked — is left exactly as
    it is, so a rotated-out key that stays in the environment stays dead.
    """
    specs = parse_key_entries(entries)
    known = set(
        ApiKey.objects.filter(key_hash__in=[key_digest(s.key) for s in specs]).values_list(
            "key_hash", flat=True
        )
    )
    inserted = 0
    for spec in specs:
        if key_digest(spec.key) in known:
            continue
        try:
            with transaction.atomic():
                api_key_create(
                    role=spec.role,
                    actor=spec.actor,
                    tenant=spec.tenant,
                    scopes=spec.scopes,
                    source=KeySource.ENV,
                    raw_key=spec.key,
                )
            inserted += 1
        except IntegrityError:
            pass  # another process seeded the same key first
    return {"configured": len(specs), "inserted": inserted, "existing": len(specs) - inserted}


def api_key_rotate(
    *, principal: Principal, grace_period_seconds: int, method: str, path: str
) -> dict[str, Any]:
    """Issue a successor of the caller's key and let the old one expire after the grace period.

    Both keys work on every replica during the grace period (they are rows, not process
    state). Only a primary key may rotate: one already expiring is refused with 401.
    """
    if principal.key_id is None:
        raise Unauthenticated("no_api_key")
    expires_at = timezone.now() + timedelta(seconds=grace_period_seconds)
    with transaction.atomic():
        # compare-and-swap: of two concurrent rotations of one key, exactly one wins
        claimed = ApiKey.objects.filter(
            pk=principal.key_id, expires_at__isnull=True, revoked_at__isnull=True
        ).update(expires_at=expires_at)
        if claimed != 1:
            raise Unauthenticated("key_not_primary")
        old = ApiKey.objects.get(pk=principal.key_id)
        new, raw_key = api_key_create(
            role=old.role,
            actor=old.actor,
            tenant=old.tenant,
            scopes=old.scopes,
            source=KeySource.ROTATION,
            rotated_from=old,
        )
        event_append(
            event_type="access.key_rotated",
            tenant_id=old.tenant,
            agent_id=old.actor,
            payload={
                "method": method,
                "path": path,
                "actor": old.actor,
                "role": old.role,
                "reason": f"grace_period={grace_period_seconds}s",
                "old_key_prefix": old.key_prefix,
                "new_key_prefix": new.key_prefix,
            },
        )
    return {
        "new_key": raw_key,
        "actor": new.actor,
        "role": new.role,
        "tenant": new.tenant,
        "scopes": new.scopes,
        "grace_period_seconds": grace_period_seconds,
        "note": (
            f"Store the new key now: it is not shown again. The old key ({old.key_prefix}…) "
            f"stops working at {expires_at.isoformat()}."
        ),
    }


def api_key_revoke(*, key_id: int, actor: str, reason: str = "") -> ApiKey:
    """Revoke a key at once, recorded as ``access.key_revoked`` (idempotent: a revoked key
    keeps its first revocation time and a second revocation records nothing)."""
    with transaction.atomic():
        revoked = ApiKey.objects.filter(pk=key_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        key = ApiKey.objects.filter(pk=key_id).first()
        if key is None:
            raise NotFound(f"API key {key_id} not found")
        if revoked:
            event_append(
                event_type="access.key_revoked",
                tenant_id=key.tenant,
                agent_id=actor,
                payload={
                    "key_prefix": key.key_prefix,
                    "key_actor": key.actor,
                    "role": key.role,
                    "actor": actor,
                    "reason": reason,
                },
            )
    return key


def access_record(
    *, event_type: str, principal: Principal | None, method: str, path: str, reason: str
) -> None:
    """Append an ``access.*`` event; a failure is logged and never fails the request."""
    try:
        event_append(
            event_type=event_type,
            tenant_id=principal.tenant if principal else None,
            agent_id=principal.actor if principal else None,
            payload={
                "method": method,
                "path": path,
                "actor": principal.actor if principal else None,
                "role": principal.role if principal else None,
                "reason": reason,
            },
        )
    except Exception:
        logger.exception("could not record %s for %s %s", event_type, method, path)
