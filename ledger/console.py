"""The dashboard's panel of the event log (``CONVERGE_DASHBOARD_SECTIONS``): the latest acts of
operators in the console, each with its reason."""

from __future__ import annotations

from django.urls import reverse

from converge_core.hooks import DashboardSection
from ledger.admin import OPERATOR_PREFIX
from ledger.models import Event
from ledger.selectors import startswith

SHOWN = 10


def operator_events_section(*, permissions: frozenset[str]) -> DashboardSection | None:
    if "ledger.view_event" not in permissions:
        return None
    events = list(
        Event.objects.filter(startswith("agent_id", OPERATOR_PREFIX)).order_by("-seq")[:SHOWN]
    )
    return DashboardSection(
        title="Latest operator events",
        template="admin/console/sections/operator_events.html",
        order=60,
        context={
            "events": [
                {
                    "event": event,
                    "reason": event.payload.get("reason", ""),
                    "intent_url": reverse("admin:intents_intent_change", args=[event.intent_id])
                    if event.intent_id
                    else None,
                }
                for event in events
            ],
            "list_url": f"{reverse('admin:ledger_event_changelist')}?actor=operators",
        },
    )
