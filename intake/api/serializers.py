"""Request bodies and response shapes of the intake API."""

from __future__ import annotations

from rest_framework import serializers

from converge_core.intake import SETTABLE_MODES, IntakeMode

MODES = tuple(str(mode) for mode in IntakeMode)


class IntakeModeSetSerializer(serializers.Serializer):
    """``POST P/intake/mode``: ``auto`` removes the override."""

    mode = serializers.ChoiceField(choices=SETTABLE_MODES)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    tenant_id = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=200
    )


class IntakeModeSetResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    mode = serializers.ChoiceField(choices=SETTABLE_MODES)
    tenant_id = serializers.CharField(allow_null=True)


class IntakeModeSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=MODES)


class IntakeOverrideSerializer(serializers.Serializer):
    tenant_id = serializers.CharField(help_text='"" = every tenant without its own override')
    mode = serializers.ChoiceField(choices=MODES)
    set_by = serializers.CharField()
    set_at = serializers.DateTimeField()
    reason = serializers.CharField()
    set_by_sweep = serializers.BooleanField()


class IntakeStatusSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=MODES)
    auto_mode = serializers.ChoiceField(choices=MODES)
    manual_override = serializers.BooleanField()
    override = IntakeOverrideSerializer(allow_null=True)
    signals = serializers.DictField()
    config = serializers.DictField(child=serializers.FloatField())
    tenant_id = serializers.CharField(allow_null=True)
