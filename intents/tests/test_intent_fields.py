"""The one validation of intent fields: each limit of decisions §41 at its boundary, types
never coerced, unknown fields refused, and what passes is what validation can use."""

import pytest

from converge_core.errors import FieldInvalid
from converge_core.tests.gitrepo import GitRepo
from intents.cleaning import clean_intent_changes, clean_new_intent
from intents.models import Intent
from intents.repositories import repository_resolve
from intents.services import intent_create, intent_update
from intents.tests.factories import create_intent
from intents.validation import intent_validate
from ledger.models import Event

BASE = {"source": "feature/x"}


def refused(**fields):
    with pytest.raises(FieldInvalid) as caught:
        clean_new_intent({**BASE, **fields})
    return caught.value.message


@pytest.mark.parametrize(
    "fields,accepted",
    [
        ({"semantic": {"objective": "x" * 10_000}}, True),
        ({"semantic": {"objective": "x" * 10_001}}, False),
        ({"semantic": {f"k{i}": "v" for i in range(20)}}, True),
        ({"semantic": {f"k{i}": "v" for i in range(21)}}, False),
        ({"technical": {"scope_hint": [f"s{i}" for i in range(50)]}}, True),
        ({"technical": {"scope_hint": [f"s{i}" for i in range(51)]}}, False),
        ({"technical": {"scope_hint": ["x" * 200]}}, True),
        ({"technical": {"scope_hint": ["x" * 201]}}, False),
        ({"dependencies": [f"d-{i}" for i in range(100)]}, True),
        ({"dependencies": [f"d-{i}" for i in range(101)]}, False),
        ({"checks_required": [f"c{i}" for i in range(50)]}, True),
        ({"checks_required": [f"c{i}" for i in range(51)]}, False),
        ({"id": "x" * 200}, True),
        ({"id": "x" * 201}, False),
        ({"tenant_id": "t" * 200}, True),
        ({"tenant_id": "t" * 201}, False),
        ({"plan_id": "p" * 200}, True),
        ({"plan_id": "p" * 201}, False),
        ({"source": "feature/" + "x" * 247}, True),
        ({"source": "feature/" + "x" * 248}, False),
    ],
)
def test_each_limit_holds_at_its_boundary(fields, accepted):
    if accepted:
        assert clean_new_intent({**BASE, **fields})
    else:
        assert "at most" in refused(**fields)


@pytest.mark.parametrize(
    "fields,message",
    [
        (
            {"technical": {"scope_hint": 5}},
            "technical.scope_hint: must be an array of strings, got a number",
        ),
        (
            {"technical": {"scope_hint": "src"}},
            "technical.scope_hint: must be an array of strings, got a string",
        ),
        (
            {"technical": {"scope_hint": ["ok", 3]}},
            "technical.scope_hint[1]: must be a string, got a number",
        ),
        ({"technical": {"scope_hint": [""]}}, "technical.scope_hint[0]: must not be blank"),
        ({"technical": {"colour": "red"}}, "technical.colour: unknown field"),
        (
            {"technical": {"pr_number": "12"}},
            "technical.pr_number: must be an integer, got a string",
        ),
        (
            {"technical": {"initial_base_commit": "HEAD"}},
            "technical.initial_base_commit: must be a full commit SHA "
            "(40 or 64 lowercase hex digits)",
        ),
        ({"created_at": "2024-01-01"}, "created_at: unknown field"),
        ({"priority": "3"}, "priority: expected 1-5, got a string"),
        ({"priority": 2.0}, "priority: expected 1-5, got a number"),
        ({"semantic": {"objective": 7}}, "semantic.objective: must be a string, got a number"),
        ({"semantic": {"objective": "a\x00b"}}, "semantic.objective: must not contain NUL"),
        (
            {"semantic": {"objective": "\ud800"}},
            "semantic.objective: must be valid Unicode text (lone surrogate)",
        ),
        ({"tenant_id": "a\nb"}, "tenant_id: must not contain control characters"),
        ({"tenant_id": 7}, "tenant_id: must be a string, got a number"),
        ({"dependencies": "a,b"}, "dependencies: must be an array of strings, got a string"),
        ({"dependencies": ["ok", "a/b/c"]}, "dependencies[1]: Invalid intent id 'a/b/c'"),
        ({"id": "a", "intent_id": "b"}, "intent_id: differs from id: give one of them"),
        ({"source": 5}, "source: must be a string, got a number"),
    ],
)
def test_wrong_types_and_unknown_fields_are_refused_by_name(fields, message):
    assert refused(**fields).startswith(message)


def test_null_is_an_absent_field_and_duplicates_collapse():
    fields = clean_new_intent(
        {
            **BASE,
            "risk_level": None,
            "priority": None,
            "semantic": None,
            "technical": {"scope_hint": ["a", "b", "a"], "repo": None},
            "dependencies": ["d", "d"],
            "plan_id": "",
        }
    )
    assert (fields["risk_level"], fields["priority"], fields["semantic"]) == ("medium", 3, {})
    assert fields["technical"] == {"scope_hint": ["a", "b"]}
    assert (fields["dependencies"], fields["plan_id"]) == (["d"], None)


def test_validation_is_idempotent_so_every_path_agrees():
    data = {
        **BASE,
        "id": "acme/app:pr-1",
        "technical": {"scope_hint": ["auth"], "pr_number": 1, "repo": "acme/app"},
        "semantic": {"objective": "line one\nline two"},
        "dependencies": ["acme/app:pr-0"],
    }
    once = clean_new_intent(data)
    assert clean_new_intent(once) == once


def test_updates_are_validated_the_same_way():
    assert clean_intent_changes({"plan_id": None}, intent_id="a") == {"plan_id": None}
    with pytest.raises(FieldInvalid, match="^status: unknown field$"):
        clean_intent_changes({"status": "MERGED"}, intent_id="a")
    with pytest.raises(FieldInvalid, match="^give dependencies, priority or plan_id$"):
        clean_intent_changes({}, intent_id="a")
    with pytest.raises(FieldInvalid, match="^dependencies: at most 100 entries, got 101$"):
        clean_intent_changes({"dependencies": [f"d{i}" for i in range(101)]}, intent_id="a")


def test_a_refused_update_changes_nothing(repository):
    create_intent(repository, "u-1", priority=3)
    with pytest.raises(FieldInvalid):
        intent_update(intent_id="u-1", changes={"priority": 1, "plan_id": 5}, actor="ops")
    assert Intent.objects.get(pk="u-1").priority == 3
    assert not Event.objects.filter(event_type="intent.updated").exists()


def test_stored_scope_hints_feed_validation(tmp_path, settings, db):
    # The reported failure: a number stored as scope_hint crashed validation with a TypeError.
    # It is refused at creation now; what is accepted reaches the risk graph.
    git = GitRepo.create(tmp_path / "repo")
    git.commit("main", {"README.md": "demo\n"})
    git.commit("feature/x", {"src/auth/login.py": "x = 1\n"}, start="main")
    settings.CONVERGE_HOME = tmp_path / "home"
    repository = repository_resolve(git.path)
    with pytest.raises(FieldInvalid, match="technical.scope_hint"):
        intent_create(
            data={"id": "bad", "source": "feature/x", "technical": {"scope_hint": 5}},
            repository=repository,
            actor="t",
        )
    intent_create(
        data={"id": "ok", "source": "feature/x", "technical": {"scope_hint": ["auth", "api"]}},
        repository=repository,
        actor="t",
    )
    decision = intent_validate(intent_id="ok")
    assert decision["decision"] in ("validated", "blocked")
    edges = decision["risk"]["impact_edges"]
    assert {e["target"] for e in edges if e["type"] == "touches_scope"} == {"auth", "api"}
    assert not Intent.objects.filter(pk="bad").exists()
