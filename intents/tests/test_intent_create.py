import pytest

from converge_core.errors import Conflict, InvalidInput
from intents.errors import DependencyCycle
from intents.models import Intent
from intents.serialization import INTENT_FIELDS
from intents.services import intent_create
from intents.tests.factories import create_intent
from ledger.models import Event


def test_creation_stores_a_ready_intent_and_its_created_event(repository):
    intent = create_intent(
        repository,
        "demo-1",
        plan_id="plan-a",
        dependencies=["later-1"],
        priority=2,
        origin_type="agent",
        tenant_id="team-a",
        checks_required=["lint"],
    )
    assert (intent.status, intent.retries, intent.created_by) == ("READY", 0, "tester")
    assert (intent.plan_id, intent.dependencies, intent.priority) == ("plan-a", ["later-1"], 2)
    event = Event.objects.get(intent_id="demo-1", event_type="intent.created")
    assert event.event_type == "intent.created" and event.tenant_id == "team-a"
    assert set(event.payload) == set(INTENT_FIELDS)  # jsonb does not keep key order
    assert event.payload["plan_id"] == "plan-a"
    assert event.payload["repository"] == repository.name


def test_an_existing_id_is_refused_and_nothing_changes(repository):
    create_intent(repository, "demo-1", priority=2)
    with pytest.raises(Conflict, match="already exists"):
        create_intent(repository, "demo-1", priority=5)
    assert Intent.objects.get(pk="demo-1").priority == 2
    assert Event.objects.filter(intent_id="demo-1", event_type="intent.created").count() == 1


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"status": "VALIDATED"}, "only status READY"),
        ({"status": "BOGUS"}, 'status: "BOGUS" is not a valid choice.'),
        ({"priority": 0}, "expected 1-5"),
        ({"priority": True}, "expected 1-5"),
        ({"risk_level": "severe"}, 'risk_level: "severe" is not a valid choice.'),
        ({"origin_type": "robot"}, 'origin_type: "robot" is not a valid choice.'),
        ({"source": ""}, "source is required"),
        ({"dependencies": ["a/b/c"]}, "Invalid intent id"),
        ({"semantic": "text"}, "semantic: must be a JSON object"),
    ],
)
def test_invalid_fields_are_refused_before_anything_is_stored(repository, fields, message):
    data = {"id": "bad-1", "source": "feature/x", **fields}
    with pytest.raises(InvalidInput, match=message):
        intent_create(data=data, repository=repository, actor="tester")
    assert not Intent.objects.exists() and not Event.objects.exists()


def test_self_dependency_is_refused(repository):
    with pytest.raises(InvalidInput, match="cannot depend on itself"):
        create_intent(repository, "a", dependencies=["a"])


def test_a_creation_closing_a_cycle_is_refused_naming_it(repository):
    create_intent(repository, "a", dependencies=["b"])
    with pytest.raises(DependencyCycle) as excinfo:
        create_intent(repository, "b", dependencies=["a"])
    assert excinfo.value.message == "Dependency cycle: b → a → b"
    assert excinfo.value.exit_code == 2 and excinfo.value.http_status == 400
    assert not Intent.objects.filter(pk="b").exists()


def test_legacy_nested_refs_fill_source_and_target(repository):
    intent = intent_create(
        data={"id": "n-1", "technical": {"source_ref": "feature/n", "target_ref": "develop"}},
        repository=repository,
        actor="tester",
    )
    assert (intent.source, intent.target) == ("feature/n", "develop")


def test_generated_ids_use_the_given_prefix(repository):
    intent = intent_create(
        data={"source": "feature/x"}, repository=repository, actor="t", default_id_prefix="branch"
    )
    assert intent.id.startswith("branch-") and len(intent.id) == len("branch-") + 12


def test_github_style_ids_are_accepted(repository):
    assert create_intent(repository, "acme/my.repo:pr-12").id == "acme/my.repo:pr-12"
