"""URL configuration: the API under ``/v1`` and its ``/api`` mirror, the probes, the metrics
and the operator console (admin)."""

from django.contrib import admin
from django.urls import include, path

from converge_site import api, metrics, probes

admin.autodiscover()

urlpatterns = [
    path("admin/", admin.site.urls),
    path("v1/", include((api.urlpatterns, "converge"), namespace="v1")),
    path("api/", include((api.urlpatterns, "converge"), namespace="api")),
    path("health", probes.health, name="health"),
    path("health/live", probes.health_live, name="health-live"),
    path("health/ready", probes.health_ready, name="health-ready"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("", include("github_app.urls")),
]

handler400 = "interfaces.exceptions.bad_request"
handler403 = "converge_site.errorpages.permission_denied"
handler404 = "converge_site.errorpages.not_found"
handler500 = "converge_site.errorpages.server_error"
