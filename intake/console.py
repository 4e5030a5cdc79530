"""The dashboard's intake panel (``CONVERGE_DASHBOARD_SECTIONS``): the mode in force per tenant
with the debt and health behind it."""

from __future__ import annotations

from django.urls import reverse

from converge_core.hooks import DashboardSection
from intake.selectors import intake_overview


def intake_section(*, permissions: frozenset[str]) -> DashboardSection | None:
    if "intake.view_intakeoverride" not in permissions:
        return None
    return DashboardSection(
        title="Intake",
        template="admin/console/sections/intake.html",
        order=30,
        context={
            "rows": intake_overview(),
            "list_url": reverse("admin:intake_intakeoverride_changelist"),
        },
    )
