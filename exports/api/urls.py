"""Routes of the export API, mounted under both API prefixes by ``converge_site.api``."""

from __future__ import annotations

from django.urls import path

from exports.api import views

urlpatterns = [
    path("export/decisions", views.DecisionExportView.as_view(), name="export-decisions"),
]
