"""Request bodies and response shapes of the intents API.

Responses are rendered by the shared serialization functions (the CLI and the event payloads
use the same ones); the output serializers here describe them for the OpenAPI schema, and a
test keeps both in step. The intent create and update bodies are validated by
``intents.cleaning`` in the services, like every other path; their serializers describe
that validation for the schema, and a test keeps those in step too.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from rest_framework import serializers

from access.apibase import BodySerializer
from converge_core.health import BANDS
from converge_core.policy.defaults import RISK_MODES
from intents import cleaning as c
from intents.choices import CommitRole, IntentStatus, OriginType, RiskLevel
from intents.cleaning import MAX_REF_LENGTH

ID_LENGTH = 200

# ``converge_core.ids.validate_intent_id``: [A-Za-z0-9._:-] with at most one inner '/', not
# '.' or '..'.
INTENT_ID_REGEX = r"^(?!\.{1,2}$)[A-Za-z0-9._:-]+(?:/[A-Za-z0-9._:-]+)?$"
# ``git check-ref-format --branch`` (``converge_core.git.refnames.is_valid_branch_name``).
BRANCH_REGEX = (
    r"^(?!-)(?!HEAD$)(?!.*\.\.)(?!.*@\{)(?!.*\.$)(?!.*\.lock(?:/|$))(?!(?:.*/)?\.)"
    r"[^\x00-\x20\x7f~^:?*\[\\/]+(?:/[^\x00-\x20\x7f~^:?*\[\\/]+)*$"
)


def intent_id_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=ID_LENGTH,
        trim_whitespace=False,
        validators=[RegexValidator(INTENT_ID_REGEX, "Not a valid intent id.")],
        **kwargs,
    )


def branch_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=MAX_REF_LENGTH,
        trim_whitespace=False,
        validators=[RegexValidator(BRANCH_REGEX, "Not a valid branch name.")],
        **kwargs,
    )



class TechnicalSerializer(serializers.Serializer):
    """``technical``: machine metadata; only these keys are accepted."""

    scope_hint = serializers.ListField(
        child=serializers.CharField(max_length=c.MAX_SCOPE_HINT_LENGTH),
        max_length=c.MAX_SCOPE_HINTS,
        required=False,
        help_text="feeds the risk graph",
    )
    affected_modules = serializers.ListField(
        child=serializers.CharField(max_length=c.MAX_SCOPE_HINT_LENGTH),
        max_length=c.MAX_SCOPE_HINTS,
        required=False,
    )
    source_ref = serializers.CharField(max_length=c.MAX_REF_LENGTH, required=False)
    target_ref = serializers.CharField(max_length=c.MAX_REF_LENGTH, required=False)
    initial_base_commit = serializers.RegexField(c.OBJECT_ID.pattern, required=False)
    repo = serializers.RegexField(c.REPO_FULL_NAME.pattern, required=False)
    pr_number = serializers.IntegerField(min_value=1, max_value=c.MAX_GITHUB_NUMBER, required=False)
    installation_id = serializers.IntegerField(
        min_value=1, max_value=c.MAX_GITHUB_NUMBER, required=False
    )
    merge_group_head_ref = serializers.CharField(max_length=c.MAX_REF_LENGTH, required=False)
    webhook_event = serializers.CharField(max_length=100, required=False)


class IntentCreateSerializer(BodySerializer):
    """``POST P/intents``: the body's fields as ``intents.cleaning`` validates them (the
    service runs that validation on every creation path). Unknown fields are refused; ``null``
    is the same as an absent field. ``source`` falls back to ``technical.source_ref``,
    ``target`` to ``technical.target_ref``, then ``main``."""

    id = intent_id_field(required=False)
    intent_id = intent_id_field(required=False)
    # a field, not Field.source
    source = branch_field(  # type: ignore[assignment]
        required=False, help_text="required unless technical.source_ref"
    )
    target = branch_field(required=False)
    status = serializers.ChoiceField(
        choices=[IntentStatus.READY], default=IntentStatus.READY, help_text="creation is READY"
    )
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, default=RiskLevel.MEDIUM)
    priority = serializers.IntegerField(min_value=1, max_value=5, default=3)
    semantic = serializers.DictField(
        child=serializers.CharField(max_length=c.MAX_TEXT_LENGTH, trim_whitespace=False),
        required=False,
        help_text=f"human context: at most {c.MAX_SEMANTIC_KEYS} strings",
    )
    technical = TechnicalSerializer(required=False)
    checks_required = serializers.ListField(
        child=serializers.CharField(max_length=c.MAX_CHECK_NAME_LENGTH),
        max_length=c.MAX_CHECKS,
        required=False,
    )
    dependencies = serializers.ListField(
        child=intent_id_field(),
        max_length=c.MAX_DEPENDENCIES,
        required=False,
        help_text="ids of intents of the same tenant that must merge first",
    )
    tenant_id = serializers.CharField(
        required=False, allow_null=True, max_length=c.MAX_LABEL_LENGTH
    )
    plan_id = serializers.CharField(required=False, allow_null=True, max_length=c.MAX_LABEL_LENGTH)
    origin_type = serializers.ChoiceField(choices=OriginType.choices, default=OriginType.API)
    required_any = ("source",)
    alternatives = (
        {
            "required": ["technical"],
            "properties": {
                "technical": {
                    "type": "object",
                    "required": ["source_ref"],
                    "properties": {"source_ref": {"type": "string", "pattern": BRANCH_REGEX}},
                }
            },
        },
    )


class IntentUpdateSerializer(BodySerializer):
    """``PATCH P/intents/{id}``: the plan fields of an active intent (at least one; validated
    by ``intents.cleaning`` in the service)."""

    dependencies = serializers.ListField(
        child=intent_id_field(), max_length=c.MAX_DEPENDENCIES, required=False
    )
    priority = serializers.IntegerField(min_value=1, max_value=5, required=False)
    plan_id = serializers.CharField(
        required=False, allow_null=True, max_length=c.MAX_LABEL_LENGTH, help_text="null clears"
    )
    required_any = ("dependencies", "priority", "plan_id")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError("give dependencies, priority or plan_id")
        return attrs


class IntentValidateSerializer(serializers.Serializer):
    """``POST P/intents/{id}/validate`` (every field optional)."""

    source = branch_field(required=False)  # type: ignore[assignment]  # a field, not Field.source
    target = branch_field(required=False)
    use_last_simulation = serializers.BooleanField(default=False)
    skip_checks = serializers.BooleanField(default=False)


class IntentOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.source
    target = serializers.CharField()
    status = serializers.ChoiceField(choices=IntentStatus.choices)
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField()
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    priority = serializers.IntegerField()
    semantic = serializers.DictField()
    technical = serializers.DictField()
    checks_required = serializers.ListField(child=serializers.CharField())
    dependencies = serializers.ListField(child=serializers.CharField())
    retries = serializers.IntegerField()
    tenant_id = serializers.CharField(allow_null=True)
    plan_id = serializers.CharField(allow_null=True)
    origin_type = serializers.ChoiceField(choices=OriginType.choices)
    repository = serializers.CharField()
    declared_risk_level = serializers.ChoiceField(choices=RiskLevel.choices)


class CommitLinkSerializer(serializers.Serializer):
    intent_id = serializers.CharField()
    repo = serializers.CharField()
    sha = serializers.CharField()
    role = serializers.ChoiceField(choices=CommitRole.choices)
    observed_at = serializers.DateTimeField()


class IntentDetailSerializer(IntentOutputSerializer):
    commit_links = CommitLinkSerializer(many=True)


class IntentCreatedSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    intent_id = serializers.CharField()
    status = serializers.ChoiceField(choices=IntentStatus.choices)


class EventSerializer(serializers.Serializer):
    id = serializers.CharField()
    trace_id = serializers.CharField()
    timestamp = serializers.DateTimeField()
    event_type = serializers.CharField()
    intent_id = serializers.CharField(allow_null=True)
    agent_id = serializers.CharField(allow_null=True)
    tenant_id = serializers.CharField(allow_null=True)
    payload = serializers.DictField()
    evidence = serializers.DictField()


class PendingIntentSerializer(serializers.Serializer):
    intent_id = serializers.CharField()
    status = serializers.ChoiceField(choices=IntentStatus.choices)
    priority = serializers.IntegerField()
    retries = serializers.IntegerField()


class QueueStateSerializer(serializers.Serializer):
    pending = PendingIntentSerializer(many=True)
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())


class QueueSummarySerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_status = serializers.DictField(child=serializers.IntegerField())
    pending_count = serializers.IntegerField()


class LearningSerializer(serializers.Serializer):
    summary = serializers.CharField()
    level = serializers.CharField()
    lessons = serializers.ListField(child=serializers.DictField())
    next_actions = serializers.ListField(child=serializers.CharField())


class HealthSnapshotSerializer(serializers.Serializer):
    """Repo health (computed by the intake app; shared by the summary and the health views)."""

    repo_health_score = serializers.FloatField()
    entropy_score = serializers.FloatField()
    mergeable_rate = serializers.FloatField()
    conflict_rate = serializers.FloatField()
    active_intents = serializers.IntegerField()
    merged_last_24h = serializers.IntegerField()
    rejected_last_24h = serializers.IntegerField()
    status = serializers.ChoiceField(choices=BANDS)
    timestamp = serializers.DateTimeField()
    tenant_id = serializers.CharField(allow_null=True)
    learning = LearningSerializer()


class SummarySerializer(serializers.Serializer):
    health = HealthSnapshotSerializer()
    queue = QueueStateSerializer()


class ValidationResultSerializer(serializers.Serializer):
    """The decision of a validation run (further keys depend on how far the run got)."""

    decision = serializers.ChoiceField(choices=["validated", "blocked"])
    intent_id = serializers.CharField()
    trace_id = serializers.CharField()
    reason = serializers.CharField(required=False)
    simulation = serializers.DictField(required=False)
    risk = serializers.DictField(required=False)
    policy = serializers.DictField(required=False)
    risk_gate = serializers.DictField(required=False, allow_null=True)
    warnings = serializers.ListField(child=serializers.DictField())


class RiskGateReportSerializer(serializers.Serializer):
    total_evaluations = serializers.IntegerField()
    total_blocked = serializers.IntegerField()
    block_rate = serializers.FloatField()
    risk_gate = serializers.DictField(child=serializers.IntegerField())
    recent_blocks = EventSerializer(many=True)


class RiskReviewSerializer(serializers.Serializer):
    intent_id = serializers.CharField()
    intent = IntentOutputSerializer()
    risk = serializers.DictField(allow_null=True)
    simulation = serializers.DictField(allow_null=True)
    policy = serializers.DictField(allow_null=True)
    diagnostics = serializers.ListField(child=serializers.DictField())
    decision_history = serializers.ListField(child=serializers.DictField())
    timestamp = serializers.DateTimeField()
    tenant_id = serializers.CharField(allow_null=True)
    compliance = serializers.DictField(
        required=False, help_text="the compliance report of the intent's tenant"
    )


def risk_limit_field() -> serializers.FloatField:
    return serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=100)


class RiskPolicyWriteSerializer(serializers.Serializer):
    """``POST P/risk/policy``: the known keys; free extra keys are kept as given."""

    tenant_id = serializers.CharField(required=False, allow_null=True, max_length=ID_LENGTH)
    max_risk_score = risk_limit_field()
    max_damage_score = risk_limit_field()
    max_propagation_score = risk_limit_field()
    max_blast_severity = serializers.CharField(required=False, allow_null=True)
    entropy_budget = serializers.FloatField(required=False, allow_null=True)
    mode = serializers.ChoiceField(choices=RISK_MODES, required=False, allow_null=True)
    enforce_ratio = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=1
    )


class ImpactEdgeSerializer(serializers.Serializer):
    """An edge of a risk evaluation's impact graph (``impact_edges``)."""

    source = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.source
    target = serializers.CharField()
    type = serializers.CharField()
    weight = serializers.FloatField()


class DiagnosticSerializer(serializers.Serializer):
    """A finding stored with a risk evaluation (``diagnostics``)."""

    severity = serializers.CharField()
    code = serializers.CharField()
    explanation = serializers.CharField()
    recommendation = serializers.CharField()


class RiskPolicySerializer(serializers.Serializer):
    """A stored risk policy: the keys written (free extra keys kept), its tenant, its version."""

    tenant_id = serializers.CharField()
    version = serializers.IntegerField()
    max_risk_score = serializers.FloatField(required=False)
    max_damage_score = serializers.FloatField(required=False)
    max_propagation_score = serializers.FloatField(required=False)
    mode = serializers.ChoiceField(choices=RISK_MODES, required=False)
    enforce_ratio = serializers.FloatField(required=False)


class OkTenantSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    tenant_id = serializers.CharField()
