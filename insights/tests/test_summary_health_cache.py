"""The summary's health section is reused while nothing is logged and no intent becomes active
or inactive, and computed again as soon as either happens."""

from conftest import TENANT
from insights.details import summary_health
from intents.tests.factories import IntentFactory
from ledger.append import event_append


def test_an_unchanged_log_answers_from_the_cache(db, django_assert_num_queries):
    IntentFactory(id="mine", tenant_id=TENANT)
    first = summary_health(tenant_id=TENANT)
    # the log's head, the active count and the cache row: no event aggregation
    with django_assert_num_queries(3):
        again = summary_health(tenant_id=TENANT)
    assert again == first


def test_an_appended_event_or_a_new_intent_computes_it_again(db):
    IntentFactory(id="mine", tenant_id=TENANT)
    before = summary_health(tenant_id=TENANT)["health"]
    event_append(event_type="intent.merged", tenant_id=TENANT, intent_id="mine")
    after = summary_health(tenant_id=TENANT)["health"]
    assert before != after
    IntentFactory(id="other", tenant_id=TENANT)
    assert summary_health(tenant_id=TENANT)["health"]["active_intents"] == 2


def test_tenants_do_not_share_an_entry(db):
    IntentFactory(id="mine", tenant_id=TENANT)
    assert summary_health(tenant_id=TENANT)["health"]["active_intents"] == 1
    assert summary_health(tenant_id="someone-else")["health"]["active_intents"] == 0
