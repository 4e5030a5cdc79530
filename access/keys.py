"""Key material: hashing, prefixes and the ``CONVERGE_API_KEYS`` entry format."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.utils.crypto import salted_hmac

from access.choices import ROLE_RANK

logger = logging.getLogger("converge.security")

PREFIX_LENGTH = 4
_HMAC_SALT = "converge.security.ApiKey"


@dataclass(frozen=True)
class KeySpec:
    """One ``key:role:actor[:tenant[:scopes]]`` entry of ``CONVERGE_API_KEYS``."""

    key: str
    role: str
    actor: str
    tenant: str | None
    scopes: list[str] | None


def key_digest(raw_key: str) -> str:
    """HMAC-SHA256 of the key under ``SECRET_KEY``: a stolen table cannot be brute-forced
    offline without the server secret, even for short human-chosen keys."""
    return salted_hmac(_HMAC_SALT, raw_key, algorithm="sha256").hexdigest()


def key_prefix(raw_key: str) -> str:
    return raw_key[:PREFIX_LENGTH]


def new_raw_key() -> str:
    """32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def parse_scopes(text: str) -> list[str] | None:
    """Scopes joined by ``+`` or ``|`` (a ``,`` would split the env entry); empty = role only."""
    scopes = [part.strip() for part in text.replace("|", "+").split("+") if part.strip()]
    return scopes or None


def parse_key_entries(raw: str) -> list[KeySpec]:
    """The entries of ``CONVERGE_API_KEYS``; malformed ones are skipped with a warning that
    names their position, never the key."""
    specs = []
    for position, entry in enumerate(raw.split(","), start=1):
        entry = entry.strip()
        if not entry:
            continue
        parts = entry.split(":")
        if len(parts) < 3 or not parts[0] or not parts[2]:
            logger.warning("CONVERGE_API_KEYS entry %d ignored: expected key:role:actor", position)
            continue
        key, role, actor = parts[0], parts[1], parts[2]
        if role not in ROLE_RANK:
            logger.warning("CONVERGE_API_KEYS entry %d ignored: unknown role %r", position, role)
            continue
        tenant = parts[3] if len(parts) > 3 and parts[3] else None
        scopes = parse_scopes(parts[4]) if len(parts) > 4 else None
        specs.append(KeySpec(key=key, role=role, actor=actor, tenant=tenant, scopes=scopes))
    return specs
