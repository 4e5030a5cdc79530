"""Request bodies and response shapes of the flags API (``FlagState.as_dict``)."""

from __future__ import annotations

from rest_framework import serializers

SOURCES = ("default", "config", "env", "api")


class FlagSerializer(serializers.Serializer):
    name = serializers.CharField()
    enabled = serializers.BooleanField()
    description = serializers.CharField()
    source = serializers.ChoiceField(choices=SOURCES)  # type: ignore[assignment]  # a field, not Field.source
    mode = serializers.CharField(required=False, help_text="omitted when the flag has none")


class FlagListSerializer(serializers.Serializer):
    flags = FlagSerializer(many=True)


class FlagSetSerializer(serializers.Serializer):
    """``POST P/flags/{name}``: the parts given are overridden, the others keep theirs."""

    enabled = serializers.BooleanField(required=False)
    mode = serializers.CharField(required=False, max_length=64)
