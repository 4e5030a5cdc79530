"""``P/auth/whoami`` and ``P/auth/keys/rotate``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from access.api import serializers as s
from access.apibase import ConvergeAPIView, parse_body
from access.permissions import admin, viewer
from access.services import api_key_rotate


class WhoAmIView(ConvergeAPIView):
    access = {"GET": viewer("intents.read")}

    @extend_schema(summary="The caller's principal", responses=s.PrincipalSerializer)
    def get(self, request: Request) -> Response:
        return Response(self.principal.as_dict())


class KeyRotateView(ConvergeAPIView):
    access = {"POST": admin("admin", denied_message="Only admin can rotate keys")}

    @extend_schema(
        summary="Rotate the calling key",
        description=(
            "Issues a new key with the same actor, role, tenant and scopes; the calling key "
            "keeps working for the grace period on every replica, then answers 401."
        ),
        request=s.KeyRotateSerializer,
        responses=s.KeyRotatedSerializer,
    )
    def post(self, request: Request) -> Response:
        data = parse_body(request, s.KeyRotateSerializer)
        result = api_key_rotate(
            principal=self.principal,
            grace_period_seconds=data["grace_period_seconds"],
            method=str(request.method),
            path=request.path,
        )
        return Response(result)
