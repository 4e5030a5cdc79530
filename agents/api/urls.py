"""Routes of the agent API, mounted under both API prefixes by ``converge_site.api``."""

from __future__ import annotations

from django.urls import path

from agents.api import views

urlpatterns = [
    path("agent/policy", views.AgentPolicyView.as_view(), name="agent-policy"),
    path("agent/authorize", views.AgentAuthorizeView.as_view(), name="agent-authorize"),
]
