"""Routes of the auth API, mounted under both API prefixes by ``converge_site.api``."""

from __future__ import annotations

from django.urls import path

from access.api import views

urlpatterns = [
    path("auth/whoami", views.WhoAmIView.as_view(), name="auth-whoami"),
    path("auth/keys/rotate", views.KeyRotateView.as_view(), name="auth-keys-rotate"),
]
