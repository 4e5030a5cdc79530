"""The agent API: policies and authorization (interfaces §1.3 "Agents").

A tenant-bound key reads and writes only its own tenant's policies and authorizes only
against its tenant's intents (another tenant's answers like an unknown one: denied).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from access.apibase import ConvergeAPIView, parse_body, parse_query
from access.tenancy import create_tenant, object_tenant
from agents.api import permissions
from agents.api import serializers as s
from agents.selectors import agent_policy_list
from agents.services import agent_authorize, agent_policy_set
from intents.api.filters import TenantFilter


class AgentPolicyView(ConvergeAPIView):
    access = {"GET": permissions.AGENTS_READ, "POST": permissions.AGENTS_WRITE}

    @extend_schema(
        summary="Stored agent policies",
        parameters=[TenantFilter],
        responses=s.AgentPolicySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        policies = agent_policy_list(self.query_tenant(query))
        return Response([policy.as_dict() for policy in policies])

    @extend_schema(
        summary="Replace an agent's policy",
        request=s.AgentPolicyBodySerializer,
        responses=s.AgentPolicySerializer,
    )
    def post(self, request: Request) -> Response:
        data = parse_body(request, s.AgentPolicyBodySerializer)
        data["tenant_id"] = create_tenant(self.principal, data.get("tenant_id"))
        policy = agent_policy_set(data=data, actor=self.principal.actor)
        return Response(policy.as_dict())


class AgentAuthorizeView(ConvergeAPIView):
    access = {"POST": permissions.AGENTS_ADMIN}

    @extend_schema(
        summary="May this agent perform this action on this intent now?",
        description=(
            "Every rule is evaluated; a denial lists its reasons and the rules that refused "
            "(`denied_by`). Approvals are counted from completed reviews recorded in Converge; "
            "a `human_approvals` number sent by the caller is ignored with a warning."
        ),
        request=s.AuthorizeBodySerializer,
        responses=s.AuthorizationSerializer,
    )
    def post(self, request: Request) -> Response:
        data = parse_body(request, s.AuthorizeBodySerializer)
        tenant_id = object_tenant(self.principal) or data.get("tenant_id") or None
        return Response(
            agent_authorize(
                agent_id=data["agent_id"],
                action=data["action"],
                intent_id=data["intent_id"],
                tenant_id=tenant_id,
                human_approvals=data["human_approvals"],
            )
        )
