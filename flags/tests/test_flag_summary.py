"""The doctor's feature_flags line."""

from flags.selectors import flag_summary
from flags.services import flag_set


def test_counts_enabled_flags_and_names_runtime_overrides(db, settings, tmp_path):
    settings.CONVERGE_HOME = tmp_path
    assert flag_summary() == {
        "check": "feature_flags",
        "status": "pass",
        "detail": "15/19 enabled",
        "runtime_overrides": [],
    }
    flag_set(name="notifications", enabled=True, actor="ops")
    assert flag_summary()["detail"] == "16/19 enabled"
    assert flag_summary()["runtime_overrides"] == ["notifications"]


def test_a_broken_flags_file_is_a_warning(db, settings, tmp_path):
    settings.CONVERGE_HOME = tmp_path
    (tmp_path / "flags.json").write_text("[")
    summary = flag_summary()
    assert summary["status"] == "warn" and "not valid JSON" in summary["detail"]
