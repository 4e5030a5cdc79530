import pytest

from access.keys import key_digest, parse_key_entries
from access.principal import scope_allows


def test_env_entries_follow_the_documented_format(caplog):
    specs = parse_key_entries(
        " k1:admin:alice , k2:viewer:bob:team-a:intents.read+queue.read,"
        "k3:operator:carol::*,short:admin,k4:root:dave,k5:viewer:eve:t|x:a.read|b.*"
    )
    assert [(s.key, s.role, s.actor, s.tenant, s.scopes) for s in specs] == [
        ("k1", "admin", "alice", None, None),
        ("k2", "viewer", "bob", "team-a", ["intents.read", "queue.read"]),
        ("k3", "operator", "carol", None, ["*"]),
        ("k5", "viewer", "eve", "t|x", ["a.read", "b.*"]),
    ]
    assert "k4" not in caplog.text and "root" in caplog.text  # the key is never logged


@pytest.mark.parametrize(
    ("scopes", "required", "allowed"),
    [
        (None, "intents.read", True),
        (("*",), "admin", True),
        (("intents.*",), "intents.write", True),
        (("intents.*",), "queue.read", False),
        (("admin.*",), "admin", True),
        (("admin",), "admin", True),
        (("intents.read",), "intents.write", False),
        ((), "intents.read", False),
    ],
)
def test_scope_matching(scopes, required, allowed):
    assert scope_allows(scopes, required) is allowed


def test_the_digest_is_keyed_by_the_server_secret(settings):
    first = key_digest("abc")
    assert len(first) == 64 and first != key_digest("abd")
    settings.SECRET_KEY = "another-secret-of-at-least-fifty-characters-0123456789"
    assert key_digest("abc") != first
