"""Who is calling: the principal an API key (or disabled auth) stands for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from access.choices import ROLE_RANK, Role


def scope_allows(scopes: tuple[str, ...] | None, required: str) -> bool:
    """Whether a key's scope list grants ``required`` (no list = whatever the role allows).

    Entries are exact scopes, ``resource.*`` or ``*``; a required scope without a dot
    (``admin``) is satisfied by ``admin``, ``admin.*`` or ``*``.
    """
    if scopes is None:
        return True
    resource = required.split(".", 1)[0]
    return any(
        scope in ("*", required) or (scope.endswith(".*") and scope[:-2] == resource)
        for scope in scopes
    )


@dataclass(frozen=True)
class Principal:
    role: str
    actor: str
    tenant: str | None
    scopes: tuple[str, ...] | None
    key_prefix: str | None = None
    key_id: int | None = None
    # False only for the anonymous admin of disabled auth: no scope checks, no access events
    authenticated: bool = True

    def has_role(self, minimum: str) -> bool:
        return ROLE_RANK.get(self.role, -1) >= ROLE_RANK[minimum]

    def has_scope(self, required: str) -> bool:
        return not self.authenticated or scope_allows(self.scopes, required)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def as_dict(self) -> dict[str, Any]:
        """The public ``Principal`` object of ``GET P/auth/whoami``."""
        return {
            "role": self.role,
            "actor": self.actor,
            "tenant": self.tenant,
            "scopes": list(self.scopes) if self.scopes is not None else None,
            "key_prefix": self.key_prefix,
        }


ANONYMOUS_ADMIN = Principal(
    role=Role.ADMIN, actor="anonymous", tenant=None, scopes=None, authenticated=False
)
