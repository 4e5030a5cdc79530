"""``POST /v1/intents/evaluate``: the pre-PR evaluation of a draft intent (interfaces §1.3).

Viewer role: nothing is created. A tenant-bound key evaluates within its own tenant.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from access.apibase import ConvergeAPIView, parse_body
from access.tenancy import create_tenant
from converge_core.prepr import MODES
from harness.prepr import draft_evaluate
from intents.api.permissions import INTENTS_READ
from intents.choices import RiskLevel


def _text(max_length: int, help_text: str = "") -> serializers.CharField:
    return serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        max_length=max_length,
        help_text=help_text or None,
    )


class DraftSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=MODES, required=False, help_text="default: the pre_eval_harness flag's mode"
    )
    id = _text(max_length=200)
    intent_id = _text(max_length=200)
    # a field, not Field.source
    source = _text(max_length=255)  # type: ignore[assignment]
    target = _text(max_length=255)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    semantic = serializers.DictField(required=False, allow_null=True)
    technical = serializers.DictField(required=False, allow_null=True)
    tenant_id = _text(max_length=200)
    repository = _text(max_length=200, help_text="repository name (default: the configured one)")


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
        data = parse_body(request, DraftSerializer)
        mode = data.pop("mode", None)
        data["tenant_id"] = create_tenant(self.principal, data.get("tenant_id"))
        return Response(draft_evaluate(data=data, mode=mode, actor=self.principal.actor))
