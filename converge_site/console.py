"""The operator console: Django's admin whose index is the dashboard.

The dashboard's panels come from ``CONVERGE_DASHBOARD_SECTIONS`` (see
:class:`converge_core.hooks.DashboardSection`): each app adds its own, and an app that lands
later adds its panel by appending to that list. ``View site`` leads back to the dashboard.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import SimpleAdminConfig
from django.http import HttpRequest
from django.template.response import TemplateResponse

from intents.hooks import dashboard_sections

# seconds between the dashboard's reloads (a meta refresh: no JavaScript)
REFRESH_SECONDS = 30


class ConsoleSite(admin.AdminSite):
    site_header = "Converge operator console"
    site_title = "Converge"
    index_title = "Dashboard"
    site_url = "/admin/"
    index_template = "admin/console/dashboard.html"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        permissions = frozenset(request.user.get_all_permissions())
        sections = [
            section
            for hook in dashboard_sections()
            if (section := hook(permissions=permissions)) is not None
        ]
        sections.sort(key=lambda section: (section.order, section.title))
        context = {
            **self.each_context(request),
            "title": self.index_title,
            "subtitle": None,
            "sections": sections,
            "refresh_seconds": REFRESH_SECONDS,
            **(extra_context or {}),
        }
        request.current_app = self.name
        return TemplateResponse(request, self.index_template, context)


class ConsoleAdminConfig(SimpleAdminConfig):
    """The admin app with :class:`ConsoleSite` as ``admin.site`` (modules are discovered by
    the URL configuration, as before)."""

    default_site = "converge_site.console.ConsoleSite"
