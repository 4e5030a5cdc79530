"""Routes of the harness API, mounted under both API prefixes by ``converge_site.api`` (before
the intents routes: ``intents/evaluate`` is not an intent id)."""

from __future__ import annotations

from django.urls import path

from harness.api import views

urlpatterns = [
    path("intents/evaluate", views.DraftEvaluateView.as_view(), name="intent-evaluate"),
]
