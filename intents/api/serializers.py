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
from drf_spectacular.utils import extend_schema_field
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
# Characters ``str.isprintable`` refuses that a JSON string can carry, beyond ASCII controls:
# C1 controls, format characters, separators other than the space, private use (lone
# surrogates, refused too, have no place in a portable pattern).
NON_PRINTABLE = (
    r"\x80-\xa0\xad\u0600-\u0605\u061c\u06dd\u070f\u1680\u180e\u2000-\u200f\u2028-\u202f"
    r"\u205f-\u206f\u3000\ue000-\uf8ff\ufeff\ufff9-\ufffb"
)
# One component of a branch name: ``git check-ref-format --branch``
# (``converge_core.git.refnames.is_valid_branch_name``) on printable text.
_BRANCH_PART = rf"[^\x00-\x20\x7f~^:?*\[\\/{NON_PRINTABLE}]+"
_BRANCH = (
    r"(?!-)(?!HEAD *$)(?!.*\.\.)(?!.*@\{)(?!.*\. *$)(?!.*\.lock(?:/| *$))(?!(?:.*/)?\.)"
    rf"{_BRANCH_PART}(?:/{_BRANCH_PART})*"
)
BRANCH_REGEX = rf"^{_BRANCH}$"
# A body's branch: spaces around it are trimmed.
BODY_BRANCH_REGEX = rf"^ *{_BRANCH} *$"
# ``intents.cleaning.clean_label``: empty (no value) or a printable line, not only spaces.
_LINE_CHAR = rf"[^\x00-\x1f\x7f{NON_PRINTABLE}]"
_WORD_CHAR = rf"[^\x00-\x20\x7f{NON_PRINTABLE}]"
NAME_REGEX = rf"^{_LINE_CHAR}*{_WORD_CHAR}{_LINE_CHAR}*$"
LABEL_REGEX = rf"^$|{NAME_REGEX}"


def intent_id_field(**kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=ID_LENGTH,
        trim_whitespace=False,
        validators=[RegexValidator(INTENT_ID_REGEX, "Not a valid intent id.")],
        **kwargs,
    )


def branch_field(regex: str = BRANCH_REGEX, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=MAX_REF_LENGTH,
        trim_whitespace=False,
        validators=[RegexValidator(regex, "Not a valid branch name.")],
        **kwargs,
    )


def body_branch_field(**kwargs: Any) -> serializers.CharField:
    """``source``/``target`` of a creation: empty or null falls back (see below)."""
    return branch_field(
        rf"^$|{BODY_BRANCH_REGEX}", required=False, allow_null=True, allow_blank=True, **kwargs
    )


def label_field(**kwargs: Any) -> serializers.CharField:
    """``tenant_id``/``plan_id``: null or empty is no value."""
    return serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        max_length=c.MAX_LABEL_LENGTH,
        validators=[RegexValidator(LABEL_REGEX, "Not a valid name.")],
        **kwargs,
    )


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "maxProperties": c.MAX_SEMANTIC_KEYS,
        "additionalProperties": {"type": "string", "maxLength": c.MAX_TEXT_LENGTH},
        # OpenAPI 3.0 has no ``propertyNames``: the key rule is told, not stated.
        "description": f"human context: at most {c.MAX_SEMANTIC_KEYS} strings, keys of 1-64 "
        "characters A-Z a-z 0-9 _ . -",
    }
)
class SemanticField(serializers.DictField):
    """``semantic``: keys of ``intents.cleaning.SEMANTIC_KEY``, any text as values."""

    child = serializers.CharField(
        max_length=c.MAX_TEXT_LENGTH, allow_blank=True, trim_whitespace=False
    )


def one_line_field(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length,
        trim_whitespace=False,
        validators=[RegexValidator(rf"^{_LINE_CHAR}*$", "Not one line.")],
        **kwargs,
    )


def pattern_field(regex: str, max_length: int) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length,
        trim_whitespace=False,
        required=False,
        allow_null=True,
        validators=[RegexValidator(regex, "Not valid.")],
    )


def name_list_field(max_items: int, max_length: int, **kwargs: Any) -> serializers.ListField:
    """A list of names (``intents.cleaning._name``): printable, not only spaces."""
    return serializers.ListField(
        child=serializers.CharField(
            max_length=max_length,
            trim_whitespace=False,
            validators=[RegexValidator(NAME_REGEX, "Not a name.")],
        ),
        max_length=max_items,
        required=False,
        allow_null=True,
        **kwargs,
    )


class TechnicalSerializer(BodySerializer):
    """``technical``: machine metadata; only these keys are accepted (null ones are dropped)."""

    scope_hint = name_list_field(
        c.MAX_SCOPE_HINTS, c.MAX_SCOPE_HINT_LENGTH, help_text="feeds the risk graph"
    )
    affected_modules = name_list_field(c.MAX_SCOPE_HINTS, c.MAX_SCOPE_HINT_LENGTH)
    source_ref = branch_field(required=False, allow_null=True)
    target_ref = branch_field(required=False, allow_null=True)
    initial_base_commit = pattern_field(f"^(?:{c.OBJECT_ID.pattern})$", 64)
    repo = pattern_field(f"^{c.REPO_FULL_NAME.pattern}$", 201)
    pr_number = serializers.IntegerField(
        min_value=1, max_value=c.MAX_GITHUB_NUMBER, required=False, allow_null=True
    )
    installation_id = serializers.IntegerField(
        min_value=1, max_value=c.MAX_GITHUB_NUMBER, required=False, allow_null=True
    )
    merge_group_head_ref = one_line_field(c.MAX_REF_LENGTH, required=False, allow_null=True)
    webhook_event = one_line_field(100, required=False, allow_null=True)
    head_sha = pattern_field(f"^(?:{c.OBJECT_ID.pattern})$", 64)
    author = one_line_field(c.MAX_LABEL_LENGTH, required=False, allow_null=True)
    draft = serializers.BooleanField(required=False, allow_null=True)
    closed = True


class IntentCreateSerializer(BodySerializer):
    """``POST P/intents``: the body's fields as ``intents.cleaning`` validates them (the
    service runs that validation on every creation path). Unknown fields are refused; ``null``
    is the same as an absent field. ``source`` (absent, null or empty) falls back to
    ``technical.source_ref``, ``target`` to ``technical.target_ref``, then ``main``."""

    id = intent_id_field(required=False, allow_null=True)
    intent_id = intent_id_field(required=False, allow_null=True, help_text="the same as id")
    # a field, not Field.source
    source = body_branch_field(help_text="required unless technical.source_ref")  # type: ignore[assignment]
    target = body_branch_field()
    status = serializers.ChoiceField(
        choices=[IntentStatus.READY],
        default=IntentStatus.READY,
        allow_null=True,
        help_text="creation is READY",
    )
    risk_level = serializers.ChoiceField(
        choices=RiskLevel.choices, default=RiskLevel.MEDIUM, allow_null=True
    )
    priority = serializers.IntegerField(min_value=1, max_value=5, default=3, allow_null=True)
    semantic = SemanticField(required=False, allow_null=True)
    technical = TechnicalSerializer(required=False, allow_null=True)
    checks_required = name_list_field(c.MAX_CHECKS, c.MAX_CHECK_NAME_LENGTH)
    dependencies = serializers.ListField(
        child=intent_id_field(),
        max_length=c.MAX_DEPENDENCIES,
        required=False,
        allow_null=True,
        help_text="ids of intents of the same tenant that must merge first",
    )
    tenant_id = label_field()
    plan_id = label_field()
    origin_type = serializers.ChoiceField(
        choices=OriginType.choices, default=OriginType.API, allow_null=True
    )
    # ``source`` given as a branch, else ``technical.source_ref``.
    alternatives = (
        {
            "required": ["source"],
            "properties": {"source": {"type": "string", "pattern": BODY_BRANCH_REGEX}},
        },
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
    closed = True


class IntentUpdateSerializer(BodySerializer):
    """``PATCH P/intents/{id}``: the plan fields of an active intent (at least one; validated
    by ``intents.cleaning`` in the service). Unknown fields are refused."""

    dependencies = serializers.ListField(
        child=intent_id_field(), max_length=c.MAX_DEPENDENCIES, required=False
    )
    priority = serializers.IntegerField(min_value=1, max_value=5, required=False)
    plan_id = label_field(help_text="null or empty clears")
    required_any = ("dependencies", "priority")
    alternatives = ({"required": ["plan_id"]},)
    closed = True


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


class QueuePlaceSerializer(serializers.Serializer):
    """An intent's place in its queue (``in_queue``), or why it is not in it (``reason``)."""

    in_queue = serializers.BooleanField()
    status = serializers.ChoiceField(choices=IntentStatus.choices, required=False)
    reason = serializers.CharField(required=False)
    target = serializers.CharField(required=False)
    position = serializers.IntegerField(required=False)
    of = serializers.IntegerField(required=False)
    window = serializers.IntegerField(required=False)
    eta_seconds = serializers.FloatField(required=False, allow_null=True)
    eta = serializers.CharField(required=False, allow_null=True)
    jumped = serializers.BooleanField(required=False)
    effective_priority = serializers.IntegerField(required=False)
    held = serializers.DictField(required=False, allow_null=True)


class IntentDetailSerializer(IntentOutputSerializer):
    commit_links = CommitLinkSerializer(many=True)
    queue = QueuePlaceSerializer()


class QueuedIntentSerializer(serializers.Serializer):
    intent_id = serializers.CharField()
    position = serializers.IntegerField()
    status = serializers.ChoiceField(choices=IntentStatus.choices)
    priority = serializers.IntegerField()
    effective_priority = serializers.IntegerField()
    jumped = serializers.BooleanField()
    eta_seconds = serializers.FloatField(allow_null=True)
    eta = serializers.CharField(allow_null=True)


class QueueRatesSerializer(serializers.Serializer):
    check_seconds = serializers.FloatField(allow_null=True)
    red_share = serializers.FloatField()
    merges_per_hour = serializers.FloatField(allow_null=True)


class TargetQueueSerializer(serializers.Serializer):
    repository = serializers.CharField()
    target = serializers.CharField()
    length = serializers.IntegerField()
    window = serializers.IntegerField()
    held = serializers.DictField(allow_null=True)
    rates = QueueRatesSerializer()
    intents = QueuedIntentSerializer(many=True)


class QueueListSerializer(serializers.Serializer):
    queues = TargetQueueSerializer(many=True)


class QueueJumpSerializer(BodySerializer):
    """``POST P/queue/jump``."""

    closed = True
    intent_id = serializers.CharField(max_length=ID_LENGTH, trim_whitespace=False)
    reason = serializers.CharField(max_length=1000)


class QueuePauseSerializer(BodySerializer):
    """``POST P/queue/pause``."""

    closed = True
    target = branch_field(required=False)
    reason = serializers.CharField(max_length=1000)


class QueueResumeSerializer(BodySerializer):
    """``POST P/queue/resume``."""

    closed = True
    target = branch_field(required=False)
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class QueueJumpedSerializer(serializers.Serializer):
    intent_id = serializers.CharField()
    target = serializers.CharField()
    reason = serializers.CharField()
    actor = serializers.CharField()
    jumped_at = serializers.CharField()
    changed = serializers.BooleanField()


class QueueControlSerializer(serializers.Serializer):
    target = serializers.CharField()
    paused = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)
    paused_by = serializers.CharField(allow_null=True)
    paused_at = serializers.CharField(allow_null=True)
    changed = serializers.BooleanField()


class QueueAnalyticsSerializer(serializers.Serializer):
    repository = serializers.CharField()
    since = serializers.CharField()
    until = serializers.CharField()
    targets = serializers.DictField(child=serializers.DictField())
    truncated = serializers.BooleanField()


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
