"""The security gate blocks on the merged result and names what it found.

A branch adding an AWS-style key and ``subprocess.call(cmd, shell=True)`` is blocked at medium
with both findings named and the key redacted; once both are fixed on the branch the same
intent validates. The runbook's per-level limits apply; the ``security_adapters`` flag turns
the gate off; a dismissed finding no longer counts.
"""

import pytest

from intents.models import Intent
from intents.tests.factories import create_intent
from intents.validation import ValidationOptions, intent_validate
from ledger.models import Event
from security.models import SecurityFinding, SecurityScan
from security.services import finding_dismiss
from security.tests.helpers import LEAK, SAFE, SECRET, commit_branch

HIGH_ONLY = "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"


@pytest.fixture
def leaky(repository, git_repo):
    commit_branch(git_repo, "feature/leak", {"app/run.py": LEAK})
    return create_intent(repository, "leaky", source="feature/leak", risk_level="medium")


def test_a_leaked_key_and_a_shell_call_block_then_the_fix_validates(leaky, git_repo):
    blocked = intent_validate(intent_id="leaky", options=ValidationOptions(skip_checks=True))
    assert blocked["decision"] == "blocked"
    reason = blocked["reason"]
    assert reason.startswith("Policy blocked: gates ['security']: Security: 1 critical, 1 high")
    assert "critical AWS Access Key at app/run.py:2 (detect-secrets)" in reason
    assert "high B602 at app/run.py:6 (bandit)" in reason
    events = list(Event.objects.values_list("payload", flat=True))
    assert SECRET not in str(blocked) and SECRET not in str(events)

    commit_branch(git_repo, "feature/leak", {"app/run.py": SAFE})
    validated = intent_validate(intent_id="leaky", options=ValidationOptions(skip_checks=True))
    assert validated["decision"] == "validated", validated.get("reason")
    assert Intent.objects.get(pk="leaky").status == "VALIDATED"
    # the second scan no longer saw them: those findings are fixed, not open
    fixed = SecurityFinding.objects.filter(status="fixed")
    assert {"AWS Access Key", "B602"} <= set(fixed.values_list("rule", flat=True))
    assert set(
        SecurityFinding.objects.filter(status="open").values_list("severity", flat=True)
    ) <= {"low"}


@pytest.mark.parametrize(("level", "decision"), [("low", "validated"), ("high", "blocked")])
def test_one_high_finding_against_the_levels_limits(repository, git_repo, level, decision):
    commit_branch(git_repo, "feature/high", {"run.py": HIGH_ONLY})
    create_intent(repository, "one-high", source="feature/high", risk_level=level)
    result = intent_validate(intent_id="one-high", options=ValidationOptions(skip_checks=True))
    assert result["decision"] == decision
    if decision == "blocked":
        assert "Security: 0 critical, 1 high (max critical=0, max high=0)" in result["reason"]


def test_the_flag_off_turns_the_gate_off(leaky, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_SECURITY_ADAPTERS", "false")
    result = intent_validate(intent_id="leaky", options=ValidationOptions(skip_checks=True))
    assert result["decision"] == "validated"
    assert not SecurityScan.objects.exists()


def test_a_dismissed_finding_no_longer_counts(leaky):
    options = ValidationOptions(skip_checks=True, reuse=True)
    assert intent_validate(intent_id="leaky", options=options)["decision"] == "blocked"
    secret = SecurityFinding.objects.get(category="secrets")
    finding_dismiss(finding_id=secret.id, reason="test fixture key", actor="alice")
    # the dismissal is part of the decision's inputs: the system revalidation notices it
    result = intent_validate(intent_id="leaky", options=options)
    assert result["decision"] == "validated", result.get("reason")
    dismissed = Event.objects.get(event_type="security.finding.dismissed")
    assert (dismissed.agent_id, dismissed.payload["reason"]) == ("alice", "test fixture key")


def test_an_unavailable_scanner_warns_and_is_never_clean(repository, git_repo):
    commit_branch(git_repo, "feature/deps", {"requirements.txt": "requests==2.19.0\n"})
    create_intent(repository, "deps", source="feature/deps", risk_level="medium")
    result = intent_validate(intent_id="deps", options=ValidationOptions(skip_checks=True))
    assert result["decision"] == "validated"
    [warning] = [w for w in result["warnings"] if w["code"] == "security_gate_warning"]
    assert "not checked: pip-audit unavailable" in warning["message"]


def test_a_dry_run_scans_but_stores_nothing(leaky):
    events = Event.objects.count()
    result = intent_validate(
        intent_id="leaky", options=ValidationOptions(skip_checks=True, dry_run=True)
    )
    assert result["decision"] == "blocked" and "AWS Access Key" in result["reason"]
    assert not SecurityScan.objects.exists() and not SecurityFinding.objects.exists()
    assert Event.objects.count() == events
