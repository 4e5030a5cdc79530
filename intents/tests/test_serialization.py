from intents.models import Intent
from intents.serialization import INTENT_FIELDS, intent_rows, intent_serialize
from intents.tests.factories import create_intent


def test_rows_and_instances_serialise_the_same(repository):
    create_intent(repository, "a", priority=2, plan_id="p", semantic={"objective": "x"})
    create_intent(repository, "b", dependencies=["a"], tenant_id="t")
    queryset = Intent.objects.select_related("repository").order_by("priority")
    rows = intent_rows(queryset[:10])
    assert rows == [intent_serialize(intent) for intent in queryset]
    assert list(rows[0]) == list(INTENT_FIELDS)
