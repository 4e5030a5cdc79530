"""The one list of API routes, mounted at ``/v1`` and mirrored at ``/api``.

Each app contributes its ``api/urls.py``; ``converge_site.urls`` includes this list twice under
the namespaces ``v1`` and ``api``, so both prefixes reach the very same views.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from access import schema  # noqa: F401  (registers the API-key scheme with the schema)
from converge_site import openapi  # noqa: F401  (registers the body rules with the schema)


def canonical_endpoints(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """drf-spectacular preprocessing hook: document each route once, under ``/v1``, and leave
    the schema views themselves out."""
    return [
        endpoint
        for endpoint in endpoints
        if endpoint[0].startswith("/v1/") and not endpoint[0].startswith("/v1/schema")
    ]


urlpatterns: list[URLPattern | URLResolver] = [
    # before intents: ``intents/evaluate`` is not an intent id
    path("", include("harness.api.urls")),
    path("", include("intents.api.urls")),
    path("", include("access.api.urls")),
    path("", include("flags.api.urls")),
    path("", include("reviews.api.urls")),
    path("", include("security.api.urls")),
    path("", include("semantic.api.urls")),
    path("", include("intake.api.urls")),
    path("", include("insights.api.urls")),
    path("", include("agents.api.urls")),
    path("", include("exports.api.urls")),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("schema/ui", SpectacularSwaggerView.as_view(url_name="v1:schema"), name="schema-ui"),
]
