"""Routes of the flags API, mounted under both API prefixes by ``converge_site.api``."""

from __future__ import annotations

from django.urls import path

from flags.api import views

urlpatterns = [
    path("flags", views.FlagListView.as_view(), name="flags"),
    path("flags/<str:name>", views.FlagDetailView.as_view(), name="flag-detail"),
]
