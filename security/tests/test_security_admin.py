"""The console: findings filtered by severity, category, scanner and status, linked to their
intent and dismissed with a reason through the service; scans read-only; the intent page shows
the intent's findings."""

import pytest
from django.urls import reverse

from intents.tests.factories import create_intent
from ledger.models import Event
from security.models import SecurityFinding, SecurityScan
from security.services import security_scan
from security.tests.helpers import LEAK, commit_branch

FINDINGS = "admin:security_securityfinding_changelist"


@pytest.fixture
def leaky(repository, git_repo):
    commit_branch(git_repo, "feature/leak", {"app/run.py": LEAK})
    create_intent(repository, "leaky", source="feature/leak")
    return security_scan(intent_id="leaky", actor="ops")[0]


def test_findings_filter_and_link_to_their_intent(admin_client, leaky):
    page = admin_client.get(reverse(FINDINGS), {"severity__exact": "critical"})
    assert page.status_code == 200
    assert [f.rule for f in page.context["cl"].result_list] == ["AWS Access Key"]
    assert reverse("admin:intents_intent_change", args=["leaky"]) in page.content.decode()
    for query in ({"category__exact": "sast"}, {"scanner__exact": "bandit"}):
        shown = admin_client.get(reverse(FINDINGS), query).context["cl"].result_list
        assert {f.scanner for f in shown} == {"bandit"}
    assert (
        admin_client.get(reverse(FINDINGS), {"status__exact": "dismissed"})
        .context["cl"]
        .result_count
        == 0
    )


def test_dismiss_needs_a_reason_and_is_recorded(admin_client, leaky):
    finding = SecurityFinding.objects.get(severity="critical")
    post = {"action": "dismiss", "_selected_action": [finding.id]}
    admin_client.post(reverse(FINDINGS), post, follow=True)
    assert SecurityFinding.objects.get(pk=finding.id).status == "open"
    admin_client.post(reverse(FINDINGS), {**post, "reason": "rotated key"}, follow=True)
    finding.refresh_from_db()
    assert (finding.status, finding.dismissed_reason) == ("dismissed", "rotated key")
    event = Event.objects.get(event_type="security.finding.dismissed")
    assert event.agent_id.startswith("admin:")


def test_scans_are_read_only_and_the_intent_page_shows_findings(admin_client, leaky):
    scans = admin_client.get(reverse("admin:security_securityscan_changelist"))
    assert scans.status_code == 200 and leaky.id in scans.content.decode()
    change = admin_client.get(reverse("admin:security_securityscan_change", args=[leaky.id]))
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert (
        admin_client.post(
            reverse("admin:security_securityscan_delete", args=[leaky.id])
        ).status_code
        == 403
    )
    assert SecurityScan.objects.filter(pk=leaky.id).exists()
    intent = admin_client.get(reverse("admin:intents_intent_change", args=["leaky"]))
    assert intent.status_code == 200
    assert b"Security findings" in intent.content and b"B602" in intent.content
