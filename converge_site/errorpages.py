"""Error pages: HTML in the operator console (``/admin/``), the API's error envelope
everywhere else."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from converge_site.middleware import CONSOLE_PREFIX
from interfaces import exceptions


def _console(request: HttpRequest) -> bool:
    return request.path.startswith(CONSOLE_PREFIX)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _console(request):
        return render(request, "403.html", status=403)
    return exceptions.permission_denied(request, exception)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _console(request):
        return render(request, "404.html", status=404)
    return exceptions.not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _console(request):
        # no context processors: whatever failed may fail again while rendering
        return HttpResponseServerError(loader.get_template("500.html").render())
    return exceptions.server_error(request)
