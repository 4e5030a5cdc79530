"""Request and response shapes of the auth endpoints."""

from __future__ import annotations

from rest_framework import serializers

from access.services import GRACE_DEFAULT_SECONDS, GRACE_MAX_SECONDS, GRACE_MIN_SECONDS


class PrincipalSerializer(serializers.Serializer):
    role = serializers.CharField()
    actor = serializers.CharField()
    tenant = serializers.CharField(allow_null=True)
    scopes = serializers.ListField(child=serializers.CharField(), allow_null=True)
    key_prefix = serializers.CharField(allow_null=True)


class KeyRotateSerializer(serializers.Serializer):
    grace_period_seconds = serializers.IntegerField(
        min_value=GRACE_MIN_SECONDS, max_value=GRACE_MAX_SECONDS, default=GRACE_DEFAULT_SECONDS
    )


class KeyRotatedSerializer(serializers.Serializer):
    new_key = serializers.CharField(help_text="shown once")
    actor = serializers.CharField()
    role = serializers.CharField()
    tenant = serializers.CharField(allow_null=True)
    scopes = serializers.ListField(child=serializers.CharField(), allow_null=True)
    grace_period_seconds = serializers.IntegerField()
    note = serializers.CharField()
