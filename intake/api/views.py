"""The intake API: the mode in force with its signals, and setting it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from access.apibase import ConvergeAPIView, parse_body, parse_query
from access.tenancy import create_tenant
from intake.api import permissions
from intake.api import serializers as s
from intake.selectors import intake_mode, intake_status
from intake.services import intake_mode_set
from intents.api.filters import TenantFilter


class IntakeStatusView(ConvergeAPIView):
    access = {"GET": permissions.INTAKE_READ}

    @extend_schema(
        summary="The intake mode in force, the override and the signals behind the auto mode",
        parameters=[TenantFilter],
        responses=s.IntakeStatusSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        return Response(intake_status(tenant_id=self.query_tenant(query)))


class IntakeModeView(ConvergeAPIView):
    access = {"GET": permissions.INTAKE_READ, "POST": permissions.INTAKE_WRITE}

    @extend_schema(
        summary="The intake mode in force",
        parameters=[TenantFilter],
        responses=s.IntakeModeSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        return Response({"mode": str(intake_mode(tenant_id=self.query_tenant(query)))})

    @extend_schema(
        summary="Set the intake mode (auto removes the override)",
        description=(
            "Without a tenant (and with an unbound key) the mode applies to every tenant "
            "without its own override. Records `intake.mode_changed`."
        ),
        parameters=[TenantFilter],
        request=s.IntakeModeSetSerializer,
        responses=s.IntakeModeSetResultSerializer,
    )
    def post(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        data = parse_body(request, s.IntakeModeSetSerializer)
        tenant_id = create_tenant(self.principal, data.get("tenant_id") or query.get("tenant_id"))
        return Response(
            intake_mode_set(
                mode=data["mode"],
                tenant_id=tenant_id,
                reason=data["reason"],
                actor=self.principal.actor,
            )
        )
