"""Routes of the semantic API, mounted under both API prefixes by ``converge_site.api``."""

from __future__ import annotations

from django.urls import path

from semantic.api import views

urlpatterns = [
    path("semantic/status", views.SemanticStatusView.as_view(), name="semantic-status"),
    path("semantic/conflicts", views.ConflictScanReadView.as_view(), name="semantic-conflicts"),
    path(
        "semantic/conflicts/scan", views.ConflictScanView.as_view(), name="semantic-conflict-scan"
    ),
    path(
        "semantic/conflicts/active",
        views.ConflictActiveView.as_view(),
        name="semantic-conflicts-active",
    ),
    path(
        "semantic/conflicts/resolve",
        views.ConflictResolveView.as_view(),
        name="semantic-conflict-resolve",
    ),
    path(
        "semantic/index/<intent_id:intent_id>",
        views.IndexIntentView.as_view(),
        name="semantic-index",
    ),
    path("semantic/reindex", views.ReindexView.as_view(), name="semantic-reindex"),
]
