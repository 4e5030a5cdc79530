"""Tenant rules of the API (interfaces §2.3).

A tenant-bound key never reads another tenant; by-id access to another tenant's object
answers 404 (selectors scoped to the tenant do that); writes naming another tenant are 403
unless the caller is an admin.
"""

from __future__ import annotations

from access.errors import CrossTenant
from access.principal import Principal
from interfaces.exceptions import BadRequest


def read_tenant(principal: Principal, requested: str | None) -> str | None:
    """The tenant a read is scoped to: the key's, else the requested one, else all tenants."""
    return principal.tenant or requested or None


def object_tenant(principal: Principal) -> str | None:
    """The tenant by-id lookups are confined to (``None``: any)."""
    return principal.tenant


def create_tenant(principal: Principal, requested: str | None) -> str | None:
    """The tenant of a new object: the requested one or the key's (may stay unbound)."""
    foreign = principal.tenant and requested and requested != principal.tenant
    if foreign and not principal.is_admin:
        raise CrossTenant()
    return requested or principal.tenant


def config_tenant(principal: Principal, requested: str | None) -> str:
    """The tenant a configuration write applies to; one is required."""
    tenant = create_tenant(principal, requested)
    if not tenant:
        raise BadRequest("tenant_id required", field="tenant_id")
    return tenant
