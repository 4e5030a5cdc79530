"""Request bodies and response shapes of the flags API (``FlagState.as_dict``)."""

from __future__ import annotations

from rest_framework import serializers

from access.apibase import BodySerializer
from converge_core.flags import FLAGS

SOURCES = ("default", "config", "env", "api")
# Every mode some flag takes; each flag takes only its own.
MODES = sorted({mode for spec in FLAGS.values() for mode in spec.modes})


class FlagSerializer(serializers.Serializer):
    name = serializers.CharField()
    enabled = serializers.BooleanField()
    description = serializers.CharField()
    source = serializers.ChoiceField(choices=SOURCES)  # type: ignore[assignment]  # a field, not Field.source
    mode = serializers.CharField(required=False, help_text="omitted when the flag has none")


class FlagListSerializer(serializers.Serializer):
    flags = FlagSerializer(many=True)


class FlagSetSerializer(BodySerializer):
    """``POST P/flags/{name}``: the parts given are overridden, the others keep theirs."""

    enabled = serializers.BooleanField(required=False)
    mode = serializers.ChoiceField(
        choices=MODES, required=False, help_text="one of the flag's own modes (400 otherwise)"
    )
    required_any = ("enabled", "mode")
