"""``risk review`` shows the compliance report of the intent's tenant, through the hook list
(and leaves the key out when no hook is configured)."""

from conftest import TENANT
from insights.compliance import compliance_report
from insights.services import compliance_thresholds_set
from intents.tests.factories import IntentFactory


def _without_timestamp(report):
    return {key: value for key, value in report.items() if key != "timestamp"}


def test_the_review_carries_the_tenants_compliance(db, api_viewer, cli):
    IntentFactory(id="mine", tenant_id=TENANT)
    compliance_thresholds_set(tenant_id=TENANT, data={"max_queue_tracked": 0}, actor="ops")
    review = api_viewer.get("/v1/risk/review?intent_id=mine").json()
    assert _without_timestamp(review["compliance"]) == _without_timestamp(
        compliance_report(tenant_id=TENANT)
    )
    assert review["compliance"]["passed"] is False
    assert cli("risk", "review", "--intent-id", "mine").json["compliance"]["tenant_id"] == TENANT


def test_without_a_hook_the_key_is_omitted(db, api_viewer, settings):
    settings.CONVERGE_RISK_REVIEW_DETAILS = []
    IntentFactory(id="mine", tenant_id=TENANT)
    assert "compliance" not in api_viewer.get("/v1/risk/review?intent_id=mine").json()
