"""What the semantic app adds to the operator console: the dashboard's panel of open conflicts
(``CONVERGE_DASHBOARD_SECTIONS``), shown while any is open."""

from __future__ import annotations

from django.urls import reverse

from converge_core.hooks import DashboardSection
from converge_core.semantic import ConflictStatus
from semantic.selectors import active_conflicts, open_conflicts, overdue_conflicts

VIEW = "semantic.view_semanticconflict"
SHOWN = 8


def conflicts_section(*, permissions: frozenset[str]) -> DashboardSection | None:
    """The open conflicts, highest score first, with those open for over a day (three
    queries); nothing while none is open."""
    if VIEW not in permissions:
        return None
    rows = active_conflicts(limit=SHOWN)
    if not rows:
        return None
    changelist = reverse("admin:semantic_semanticconflict_changelist")
    return DashboardSection(
        title="Semantic conflicts",
        template="admin/console/sections/semantic_conflicts.html",
        order=35,
        context={
            "open_total": open_conflicts().count(),
            "open_url": f"{changelist}?status__exact={ConflictStatus.OPEN}",
            "overdue": overdue_conflicts(),
            "rows": [
                {
                    "conflict": row,
                    "url": reverse("admin:semantic_semanticconflict_change", args=[row.pk]),
                    "a_url": reverse("admin:intents_intent_change", args=[row.intent_a_id]),
                    "b_url": reverse("admin:intents_intent_change", args=[row.intent_b_id]),
                }
                for row in rows
            ],
        },
    )
