from __future__ import annotations

from django.urls import path

from github_app.webhook import github_webhook

urlpatterns = [
    path("integrations/github/webhook", github_webhook, name="github-webhook"),
]
