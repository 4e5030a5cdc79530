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


def test_the_create_and_update_bodies_are_closed_like_the_validation():
    from drf_spectacular.generators import SchemaGenerator

    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    for name in ("IntentCreateRequest", "PatchedIntentUpdateRequest", "TechnicalRequest"):
        assert schemas[name]["additionalProperties"] is False, name
    # null or "" is no value for a label (cleaning.clean_label), so the schema admits both
    plan_id = schemas["PatchedIntentUpdateRequest"]["properties"]["plan_id"]
    assert plan_id["nullable"] is True and "minLength" not in plan_id


def test_the_excluded_characters_are_those_the_validation_refuses():
    import re

    excluded = re.compile(f"[{serializers.NON_PRINTABLE}]")
    for code in range(0x80, 0x10000):
        char = chr(code)
        if excluded.match(char):
            assert not char.isprintable(), hex(code)


def test_every_pattern_of_the_schema_is_a_portable_regex():
    """Each pattern compiles for a Rust JSON Schema validator too (no lone surrogates)."""
    import jsonschema_rs
    from drf_spectacular.generators import SchemaGenerator

    def patterns(node):
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                yield node["pattern"]
            for value in node.values():
                yield from patterns(value)
        elif isinstance(node, list):
            for value in node:
                yield from patterns(value)

    found = set(patterns(SchemaGenerator().get_schema(request=None, public=True)))
    assert serializers.BODY_BRANCH_REGEX in found
    for pattern in found:
        jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
