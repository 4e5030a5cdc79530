"""Secrets never appear in full: not in findings, events, API answers, CLI output or
notifications; a secret is its rule and a short hash."""

import pytest

from conftest import api_client
from converge_core.security import parse_bandit, redact
from intents.tests.factories import create_intent
from ledger.models import Event
from notifications.models import Delivery
from security.scanners import secret_values
from security.services import security_scan
from security.tests.helpers import LEAK, SECRET, commit_branch

PASSWORD = "correct-horse-battery-staple"


def test_nothing_shows_the_secret(repository, git_repo, cli, api_key, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS", "1")
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS_MODE", "enforce")
    commit_branch(git_repo, "feature/leak", {"app/run.py": LEAK + f'PASSWORD = "{PASSWORD}"\n'})
    create_intent(repository, "leaky", source="feature/leak", tenant_id=None)
    security_scan(intent_id="leaky", actor="ops")
    shown = [
        str(list(Event.objects.values_list("payload", flat=True))),
        cli("security", "findings").stdout,
        cli("security", "summary").stdout,
        api_client(api_key("viewer", tenant=None)).get("/v1/security/findings").content.decode(),
        str(list(Delivery.objects.values_list("payload", flat=True))),
    ]
    for text in shown:
        assert SECRET not in text and PASSWORD not in text
    # the critical finding was sent on the notifications channel
    assert Delivery.objects.filter(event_type="security.finding.detected").exists()


@pytest.mark.parametrize(
    "text",
    [
        f"Possible hardcoded password: '{PASSWORD}'",
        f"token={PASSWORD}",
        f"found {SECRET} in config",
    ],
)
def test_messages_are_redacted(text):
    cleaned = redact(text, detector=secret_values, quoted=True)
    assert PASSWORD not in cleaned and SECRET not in cleaned and "[redacted:" in cleaned


def test_a_hardcoded_password_rule_keeps_only_a_hash():
    report = {
        "results": [
            {
                "test_id": "B105",
                "issue_text": f"Possible hardcoded password: '{PASSWORD}'",
                "issue_severity": "LOW",
                "issue_confidence": "MEDIUM",
                "filename": "./a.py",
                "line_number": 4,
            }
        ]
    }
    [finding] = parse_bandit(report)
    assert PASSWORD not in finding.message and finding.file == "a.py" and finding.secret_hash
