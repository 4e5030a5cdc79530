"""The schema of the intent create and update bodies documents exactly the fields the
shared validation accepts."""

from intents import cleaning
from intents.api import serializers


def test_create_body_fields_match_the_validation():
    fields = serializers.IntentCreateSerializer().fields
    assert set(fields) == set(cleaning.CREATE_FIELDS)
    assert set(fields["technical"].fields) == set(cleaning.TECHNICAL_FIELDS)
    assert fields["semantic"].child.max_length == cleaning.MAX_TEXT_LENGTH
    scope_hint = fields["technical"].fields["scope_hint"]
    assert (scope_hint.max_length, scope_hint.child.max_length) == (
        cleaning.MAX_SCOPE_HINTS,
        cleaning.MAX_SCOPE_HINT_LENGTH,
    )
    assert fields["dependencies"].max_length == cleaning.MAX_DEPENDENCIES


def test_update_body_fields_match_the_validation():
    assert set(serializers.IntentUpdateSerializer().fields) == set(cleaning.UPDATE_FIELDS)
