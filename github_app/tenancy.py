"""The tenant of what an installation sends: ``CONVERGE_GITHUB_INSTALLATION_TENANTS`` names it
per installation, ``CONVERGE_GITHUB_DEFAULT_TENANT`` otherwise."""

from __future__ import annotations

from django.conf import settings


def installation_tenants() -> dict[int, str]:
    mapping: dict[int, str] = {}
    for pair in str(settings.CONVERGE_GITHUB_INSTALLATION_TENANTS or "").split(","):
        installation, _, tenant = pair.strip().partition(":")
        if installation.strip().isdigit() and tenant.strip():
            mapping[int(installation)] = tenant.strip()
    return mapping


def tenant_for(installation_id: int | None) -> str | None:
    if installation_id is not None:
        tenant = installation_tenants().get(installation_id)
        if tenant:
            return tenant
    return settings.CONVERGE_GITHUB_DEFAULT_TENANT or None
