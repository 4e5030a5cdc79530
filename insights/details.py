"""What ``risk review`` (``CONVERGE_RISK_REVIEW_DETAILS``) and the summary
(``CONVERGE_SUMMARY_SECTIONS``) show from the read models."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache

from insights.compliance import compliance_report
from insights.events import active_intents
from insights.health import repo_health_snapshot
from ledger.selectors import log_version

# How long the summary's health section may be reused while nothing is logged and no intent
# becomes (in)active: what changes it then is only events leaving its 24-hour window.
SUMMARY_HEALTH_SECONDS = 60


def risk_review_compliance(*, intent_id: str, tenant_id: str | None) -> dict[str, Any]:
    """The compliance report of the intent's tenant (every tenant for an intent without one)."""
    return {"compliance": compliance_report(tenant_id=tenant_id)}


def summary_health(*, tenant_id: str | None) -> dict[str, Any]:
    """The repo health section of ``GET /v1/summary`` (``CONVERGE_SUMMARY_SECTIONS``): a
    snapshot at most ``SUMMARY_HEALTH_SECONDS`` old, computed again as soon as an event is
    appended or the number of active intents changes (its ``timestamp`` says when)."""
    state = f"{tenant_id!r}:{log_version()}:{active_intents(tenant_id).count()}"
    key = "converge-summary-health:" + hashlib.sha256(state.encode()).hexdigest()
    section = cache.get(key)
    if section is None:
        section = {"health": repo_health_snapshot(tenant_id=tenant_id)}
        cache.set(key, section, SUMMARY_HEALTH_SECONDS)
    return section
