"""Without an override, the worse of health and debt picks the mode (decisions §21)."""

from datetime import timedelta

from django.utils import timezone

from intake.selectors import intake_status
from intents.tests.factories import IntentFactory
from ledger.tests.factories import events
from reviews.tests.factories import ReviewTaskFactory


def test_a_healthy_quiet_repo_is_open(db):
    status = intake_status()
    assert (status["mode"], status["auto_mode"], status["manual_override"]) == (
        "open",
        "open",
        False,
    )
    assert status["override"] is None
    assert status["config"] == {
        "pause_below_health": 30.0,
        "throttle_below_health": 60.0,
        "pause_above_debt": 70.0,
        "throttle_from_debt": 30.0,
        "throttle_ratio": 0.5,
    }


def test_debt_from_30_throttles(db):
    # 10 stale active intents (staleness 25) and 3 reviews waiting (7.5): debt 36.5
    old = timezone.now() - timedelta(days=2)
    for _ in range(10):
        intent = IntentFactory(created_at=old)
    for _ in range(3):
        ReviewTaskFactory(intent=intent)
    signals = intake_status()["signals"]
    assert (signals["debt_score"], signals["debt_status"]) == (36.5, "yellow")
    assert signals["health_score"] == 100.0 and signals["effective_score"] == 63.5
    assert signals["auto_mode"] == "throttle" and intake_status()["mode"] == "throttle"


def test_poor_health_pauses(db):
    # every simulation conflicts (-30), entropy 50 (-25), 20 rejections (-30): health 15
    events("simulation.completed", [{"mergeable": False}] * 2)
    events("risk.evaluated", [{"entropy_score": 60.0}])
    events("intent.rejected", [{}] * 20)
    signals = intake_status()["signals"]
    assert (signals["health_score"], signals["health_status"]) == (15.0, "red")
    assert signals["auto_mode"] == "pause"


def test_with_debt_disabled_health_alone_decides(db, monkeypatch):
    old = timezone.now() - timedelta(days=2)
    for _ in range(50):
        IntentFactory(created_at=old, retries=1)
    # staleness 25 + queue 20 + retries 15 = 60
    assert intake_status()["signals"]["debt_score"] == 60.0
    assert intake_status()["auto_mode"] == "throttle"
    monkeypatch.setenv("CONVERGE_FF_VERIFICATION_DEBT", "0")
    signals = intake_status()["signals"]
    assert (signals["debt_score"], signals["debt_status"]) == (None, "disabled")
    assert signals["auto_mode"] == "open"


def test_the_policy_file_intake_section_is_used(db, settings, tmp_path):
    (tmp_path / "policy.json").write_text('{"intake": {"throttle_from_debt": 0}}')
    settings.CONVERGE_POLICY_PATH = str(tmp_path / "policy.json")
    status = intake_status()
    assert status["config"]["throttle_from_debt"] == 0.0
    assert status["auto_mode"] == "throttle"
