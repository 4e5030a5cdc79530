"""Query parameters of the intent, queue, risk and event read endpoints."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from intents.choices import IntentStatus

MAX_LIMIT = 1000


def limit_field(default: int) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False, default=default, min_value=1, max_value=MAX_LIMIT
    )


class TenantFilter(serializers.Serializer):
    # query values are taken as sent (never trimmed to blank), like every filter here
    tenant_id = serializers.CharField(required=False, max_length=200, trim_whitespace=False)


class IntentListFilter(TenantFilter):
    status = serializers.ChoiceField(choices=IntentStatus.choices, required=False)
    limit = limit_field(200)


class IntentEventsFilter(serializers.Serializer):
    limit = limit_field(200)


class QueueAnalyticsFilter(TenantFilter):
    since = serializers.DateTimeField(
        required=False, help_text="ISO-8601 timestamp (inclusive); default: 7 days ago"
    )


class RecentFilter(TenantFilter):
    """``risk/recent``, ``risk/shadow/recent``, ``policy/recent``."""

    limit = limit_field(50)


class AuditFilter(TenantFilter):
    limit = limit_field(100)


class EventFilter(TenantFilter):
    type = serializers.CharField(required=False, max_length=64, trim_whitespace=False)
    intent_id = serializers.CharField(required=False, max_length=200, trim_whitespace=False)
    agent_id = serializers.CharField(required=False, max_length=200, trim_whitespace=False)
    since = serializers.DateTimeField(required=False, help_text="inclusive ISO-8601 timestamp")
    limit = limit_field(100)


class IntentRefFilter(TenantFilter):
    """Endpoints about one intent, optional (``impact/edges``, ``diagnostics/recent``)."""

    intent_id = serializers.CharField(required=False, max_length=200, trim_whitespace=False)


# ``risk/review`` and ``health/change`` parse ``IntentRefFilter`` and answer 400
# ``intent_id required`` without one: the schema says it is required there.
INTENT_ID_REQUIRED = OpenApiParameter(
    "intent_id",
    {"type": "string", "minLength": 1, "maxLength": 200},
    OpenApiParameter.QUERY,
    required=True,
)
