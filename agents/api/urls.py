"""Routes of the agents API, mounted under both API prefixes by ``converge_site.api``."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
