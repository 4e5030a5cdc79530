"""``POST /v1/intents/evaluate``: the pre-PR evaluation of a draft intent (interfaces §1.3).

Viewer role: nothing is created. A tenant-bound key evaluates within its own tenant.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from access.apibase import ConvergeAPIView, body_object, parse_body
from access.tenancy import create_tenant
from converge_core.prepr import MODES
from harness.prepr import draft_evaluate
from intents.api.permissions import INTENTS_READ
from intents.api.serializers import (
    SemanticField,
    TechnicalSerializer,
    body_branch_field,
    intent_id_field,
    label_field,
)
from intents.choices import RiskLevel
from intents.cleaning import clean_label


class DraftSerializer(serializers.Serializer):
    """A draft intent: the creation fields the evaluation reads (others are ignored), checked
    as a creation checks them."""

    mode = serializers.ChoiceField(
        choices=MODES, required=False, help_text="default: the pre_eval_harness flag's mode"
    )
    id = intent_id_field(required=False, allow_null=True)
    intent_id = intent_id_field(required=False, allow_null=True, help_text="the same as id")
    # a field, not Field.source
    source = body_branch_field()  # type: ignore[assignment]
    target = body_branch_field(help_text="default main")
    risk_level = serializers.ChoiceField(
        choices=RiskLevel.choices, default=RiskLevel.MEDIUM, allow_null=True
    )
    semantic = SemanticField(required=False, allow_null=True)
    technical = TechnicalSerializer(required=False, allow_null=True)
    tenant_id = label_field()


class SimilarSerializer(serializers.Serializer):
    intent_id = serializers.CharField()
    similarity = serializers.FloatField()
    objective = serializers.CharField()


class EvaluationSerializer(serializers.Serializer):
    """The evaluation; with the flag off only ``status`` and ``message``."""

    score = serializers.FloatField(required=False)
    passed = serializers.BooleanField(required=False)
    similar_intents = SimilarSerializer(many=True, required=False)
    signals = serializers.DictField(child=serializers.FloatField(), required=False)
    recommendations = serializers.ListField(child=serializers.CharField(), required=False)
    mode = serializers.ChoiceField(choices=MODES, required=False)
    status = serializers.CharField(required=False)
    message = serializers.CharField(required=False)


class DraftEvaluateView(ConvergeAPIView):
    access = {"POST": INTENTS_READ}

    @extend_schema(
        summary="Evaluate a draft intent before creating it",
        description=(
            "Similarity to active intents of the same tenant, repository and target (the "
            "semantic index) and the quality of the description. Shadow mode always passes; "
            "enforce mode does not pass a score below 0.5. Records `intent.pre_evaluated`."
        ),
        request=DraftSerializer,
        responses=EvaluationSerializer,
    )
    def post(self, request: Request) -> Response:
        mode = parse_body(request, DraftSerializer).get("mode")
        # the service cleans the draft as a creation is cleaned (intents.cleaning)
        data = body_object(request)
        data["tenant_id"] = create_tenant(
            self.principal, clean_label(data.get("tenant_id"), "tenant_id")
        )
        return Response(draft_evaluate(data=data, mode=mode, actor=self.principal.actor))
