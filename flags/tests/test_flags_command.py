import json


def test_flags_list_reports_every_flag_with_its_source(cli, monkeypatch, settings, tmp_path):
    settings.CONVERGE_HOME = tmp_path
    (tmp_path / "flags.json").write_text(json.dumps({"code_ownership": True}))
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS_MODE", "enforce")
    result = cli("flags", "list")
    assert result.exit_code == 0
    flags = {flag["name"]: flag for flag in result.json["flags"]}
    assert len(flags) == 19 and list(flags) == sorted(flags)
    assert flags["code_ownership"]["enabled"] is True
    assert flags["code_ownership"]["source"] == "config"
    assert flags["notifications"]["mode"] == "enforce"
    assert flags["notifications"]["source"] == "env"
    assert flags["audit_chain"] == {
        "name": "audit_chain",
        "enabled": True,
        "description": "Event tamper-evidence chain",
        "source": "default",
    }


def test_an_invalid_flags_file_is_a_clear_error(cli, settings, tmp_path):
    settings.CONVERGE_HOME = tmp_path
    (tmp_path / "flags.json").write_text("{not json")
    result = cli("flags", "list")
    assert result.exit_code == 2 and "flags.json: not valid JSON" in result.stderr


def test_audit_chain_flag_off_makes_verify_say_disabled(cli, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_AUDIT_CHAIN", "0")
    result = cli("audit", "verify-chain")
    assert result.exit_code == 0
    assert result.json == {"valid": True, "enabled": False, "reason": "audit chain is disabled"}
