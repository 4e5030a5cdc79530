"""Routes of the security API, mounted under both API prefixes by ``converge_site.api``."""

from __future__ import annotations

from django.urls import path

from security.api import views

urlpatterns = [
    path("security/findings", views.FindingListView.as_view(), name="security-findings"),
    path(
        "security/findings/counts",
        views.FindingCountsView.as_view(),
        name="security-finding-counts",
    ),
    path(
        "security/findings/<str:finding_id>/dismiss",
        views.FindingDismissView.as_view(),
        name="security-finding-dismiss",
    ),
    path("security/scans", views.ScanListView.as_view(), name="security-scans"),
    path("security/scans/<str:scan_id>", views.ScanDetailView.as_view(), name="security-scan"),
    path("security/scan", views.ScanRequestView.as_view(), name="security-scan-request"),
    path("security/summary", views.SecuritySummaryView.as_view(), name="security-summary"),
]
