"""The flags API: every flag with its source, and the runtime override (admins).

An override is stored in the database (source ``api``) and outranks the environment and
``flags.json``, so every process sees it within ``CONVERGE_FLAG_CACHE_SECONDS``.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from access.apibase import ConvergeAPIView, parse_body
from converge_core.flags import FLAGS
from flags.api import permissions
from flags.api import serializers as s
from flags.selectors import flag_list
from flags.services import flag_clear, flag_set

FLAG_NAME = OpenApiParameter(
    "name",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    enum=sorted(FLAGS),
    description="any other name: 404",
)


class FlagListView(ConvergeAPIView):
    access = {"GET": permissions.FLAGS_READ}

    @extend_schema(summary="Feature flags, sorted by name", responses=s.FlagListSerializer)
    def get(self, request: Request) -> Response:
        return Response({"flags": [state.as_dict() for state in flag_list()]})


class FlagDetailView(ConvergeAPIView):
    access = {"POST": permissions.FLAGS_WRITE, "DELETE": permissions.FLAGS_WRITE}

    @extend_schema(
        summary="Override a flag at runtime",
        description="Records `feature_flag.changed`; 404 `Unknown flag: <name>`.",
        parameters=[FLAG_NAME],
        request=s.FlagSetSerializer,
        responses=s.FlagSerializer,
    )
    def post(self, request: Request, name: str) -> Response:
        data = parse_body(request, s.FlagSetSerializer)
        state = flag_set(
            name=name,
            enabled=data.get("enabled"),
            mode=data.get("mode"),
            actor=self.principal.actor,
        )
        return Response(state.as_dict())

    @extend_schema(
        summary="Remove a flag's runtime override",
        description="The environment, flags.json or the default decide again.",
        parameters=[FLAG_NAME],
        request=None,
        responses={200: s.FlagSerializer},
    )
    def delete(self, request: Request, name: str) -> Response:
        return Response(flag_clear(name=name, actor=self.principal.actor).as_dict())
