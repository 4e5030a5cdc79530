"""Routes of the intake API, mounted under both API prefixes by ``converge_site.api``."""

from __future__ import annotations

from django.urls import path

from intake.api import views

urlpatterns = [
    path("intake/status", views.IntakeStatusView.as_view(), name="intake-status"),
    path("intake/mode", views.IntakeModeView.as_view(), name="intake-mode"),
]
