"""Request bodies are bounded on every API route: size (413) and JSON nesting (400), never a
server error and never an oversize body read whole (decisions §41, interfaces §2.1)."""

import io
import json

import pytest

from conftest import git_branches
from converge_core.jsonlimits import PayloadTooLarge
from converge_site.parsers import BoundedJSONParser
from intents.models import Intent
from ledger.models import Event


def nested(depth: int) -> str:
    """A JSON object nested ``depth`` levels deep (``{}`` is one level)."""
    return '{"a":' * (depth - 1) + "{}" + "}" * (depth - 1)


def post(client, path, text):
    return client.post(path, text, content_type="application/json")


@pytest.mark.parametrize("path", ["/v1/intents", "/api/risk/policy", "/v1/reviews"])
def test_a_body_nested_5000_levels_is_a_validation_error(repository, api_admin, path):
    response = post(api_admin, path, nested(5000))
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "validation_error", "message": "body: JSON nested deeper than 32 levels"}
    }
    assert not Intent.objects.exists()


def test_nesting_is_counted_exactly(repository, api_operator):
    deep = post(api_operator, "/v1/intents", nested(33))
    assert deep.json()["error"]["message"] == "body: JSON nested deeper than 32 levels"
    # 32 levels (body, semantic, 30 arrays) parse; the intent fields then refuse the value
    inner = '{"source": "f/x", "semantic": {"a": ' + "[" * 30 + "]" * 30 + "}}"
    shallow = post(api_operator, "/v1/intents", inner)
    assert shallow.status_code == 400
    assert shallow.json()["error"]["message"] == "body.semantic.a: must be a string, got an array"


def test_an_oversize_body_is_a_413_before_anything_is_stored(repository, api_operator):
    # the reported case: a 5 MB semantic string under the default 1 MiB limit
    body = json.dumps({"source": "f/x", "semantic": {"objective": "x" * 5_000_000}})
    response = post(api_operator, "/v1/intents", body)
    assert response.status_code == 413
    assert response.json() == {
        "error": {"code": "http_413", "message": "Payload too large", "limit": 1_048_576}
    }
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not Intent.objects.exists() and not Event.objects.exists()


def test_the_limit_is_configurable_and_exact(repository, git_repo, api_operator, settings):
    git_branches(git_repo, "f/x")
    settings.CONVERGE_MAX_BODY_BYTES = 2048
    padding = 2048 - len(json.dumps({"source": "f/x", "semantic": {"objective": ""}}))
    at_limit = json.dumps({"source": "f/x", "semantic": {"objective": "x" * padding}})
    assert len(at_limit) == 2048
    assert post(api_operator, "/v1/intents", at_limit).status_code == 200
    over = at_limit.replace('"f/x"', '"f/xy"')
    response = post(api_operator, "/v1/intents", over)
    assert response.status_code == 413 and response.json()["error"]["limit"] == 2048
    assert Intent.objects.count() == 1


def test_a_semantic_string_over_10000_characters_is_refused_by_name(repository, api_operator):
    body = {"source": "f/x", "semantic": {"objective": "x" * 10_001}}
    response = api_operator.post("/v1/intents", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "body.semantic.objective: at most 10000 characters, got 10001"
    )


class CountingStream(io.BytesIO):
    """A request stream that records how many bytes were asked for."""

    requested = 0

    def read(self, size=-1):
        self.requested += size if size >= 0 else len(self.getvalue())
        return super().read(size)


def test_the_parser_reads_at_most_one_byte_past_the_limit(settings):
    # What the parser enforces when no trustworthy Content-Length stopped the request first.
    settings.CONVERGE_MAX_BODY_BYTES = 1024
    stream = CountingStream(b'{"a": "' + b"x" * 1_000_000 + b'"}')
    with pytest.raises(PayloadTooLarge):
        BoundedJSONParser().parse(stream, "application/json", {})
    assert stream.requested == 1025
    assert BoundedJSONParser().parse(io.BytesIO(b'{"a": 1}'), "application/json", {}) == {"a": 1}
