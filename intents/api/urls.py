"""Routes of the intents API, mounted under both API prefixes by ``converge_site.api``."""

from __future__ import annotations

from django.urls import path, register_converter

from intents.api import views


class IntentIdConverter:
    """Intent ids: ``[A-Za-z0-9._:-]`` with at most one ``/`` (``acme/my.repo:pr-12``)."""

    regex = r"[A-Za-z0-9._:-]+(?:/[A-Za-z0-9._:-]+)?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IntentIdConverter, "intent_id")

urlpatterns = [
    path("intents", views.IntentListView.as_view(), name="intent-list"),
    path(
        "intents/<intent_id:intent_id>/events",
        views.IntentEventsView.as_view(),
        name="intent-events",
    ),
    path(
        "intents/<intent_id:intent_id>/validate",
        views.IntentValidateView.as_view(),
        name="intent-validate",
    ),
    path("intents/<intent_id:intent_id>", views.IntentDetailView.as_view(), name="intent-detail"),
    path("summary", views.SummaryView.as_view(), name="summary"),
    path("queue", views.QueueListView.as_view(), name="queue-list"),
    path("queue/analytics", views.QueueAnalyticsView.as_view(), name="queue-analytics"),
    path("queue/jump", views.QueueJumpView.as_view(), name="queue-jump"),
    path("queue/pause", views.QueuePauseView.as_view(), name="queue-pause"),
    path("queue/resume", views.QueueResumeView.as_view(), name="queue-resume"),
    path("queue/state", views.QueueStateView.as_view(), name="queue-state"),
    path("queue/summary", views.QueueSummaryView.as_view(), name="queue-summary"),
    path("risk/recent", views.RiskRecentView.as_view(), name="risk-recent"),
    path("risk/review", views.RiskReviewView.as_view(), name="risk-review"),
    path("risk/shadow/recent", views.RiskShadowRecentView.as_view(), name="risk-shadow-recent"),
    path("risk/gate/report", views.RiskGateReportView.as_view(), name="risk-gate-report"),
    path("risk/policy", views.RiskPolicyView.as_view(), name="risk-policy"),
    path("impact/edges", views.ImpactEdgesView.as_view(), name="impact-edges"),
    path("diagnostics/recent", views.DiagnosticsRecentView.as_view(), name="diagnostics-recent"),
    path("policy/recent", views.PolicyRecentView.as_view(), name="policy-recent"),
    path("events", views.EventListView.as_view(), name="events"),
    path("audit/recent", views.AuditRecentView.as_view(), name="audit-recent"),
]
