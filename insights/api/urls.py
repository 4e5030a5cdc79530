"""Routes of the debt, health, compliance, metrics and dashboard API, mounted under
both API prefixes by ``converge_site.api``."""

from __future__ import annotations

from django.urls import path

from insights.api import views

urlpatterns = [
    path("verification/debt", views.VerificationDebtView.as_view(), name="verification-debt"),
    path("health/repo/now", views.RepoHealthView.as_view(), name="health-repo-now"),
    path("health/repo/trend", views.RepoHealthTrendView.as_view(), name="health-repo-trend"),
    path("health/change", views.ChangeHealthView.as_view(), name="health-change"),
    path("health/change/trend", views.ChangeHealthTrendView.as_view(), name="health-change-trend"),
    path("health/entropy/trend", views.EntropyTrendView.as_view(), name="health-entropy-trend"),
    path("predictions", views.PredictionListView.as_view(), name="predictions"),
    path("compliance/report", views.ComplianceReportView.as_view(), name="compliance-report"),
    path("compliance/alerts", views.ComplianceAlertsView.as_view(), name="compliance-alerts"),
    path(
        "compliance/thresholds",
        views.ComplianceThresholdsView.as_view(),
        name="compliance-thresholds",
    ),
    path(
        "compliance/thresholds/history",
        views.ComplianceThresholdsHistoryView.as_view(),
        name="compliance-thresholds-history",
    ),
    path("metrics/integration", views.IntegrationMetricsView.as_view(), name="metrics-integration"),
    path("dashboard", views.DashboardView.as_view(), name="dashboard"),
    path("dashboard/alerts", views.DashboardAlertsView.as_view(), name="dashboard-alerts"),
]
