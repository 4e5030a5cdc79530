"""A runtime override outranks the environment, which outranks flags.json, then the default."""

import json

from flags.selectors import flag_state
from flags.tests.factories import FlagOverrideFactory


def test_each_layer_overrides_the_one_below(db, settings, tmp_path, monkeypatch):
    settings.CONVERGE_HOME = tmp_path
    assert flag_state("security_adapters").source == "default"

    (tmp_path / "flags.json").write_text(json.dumps({"security_adapters": False}))
    state = flag_state("security_adapters")
    assert (state.enabled, state.source) == (False, "config")

    monkeypatch.setenv("CONVERGE_FF_SECURITY_ADAPTERS", "true")
    state = flag_state("security_adapters")
    assert (state.enabled, state.source) == (True, "env")

    FlagOverrideFactory(name="security_adapters", enabled=False)
    state = flag_state("security_adapters")
    assert (state.enabled, state.source) == (False, "api")


def test_an_override_of_the_mode_only_keeps_the_lower_enabled(db, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_NOTIFICATIONS", "1")
    FlagOverrideFactory(name="notifications", enabled=None, mode="enforce")
    state = flag_state("notifications")
    assert (state.enabled, state.mode, state.source) == (True, "enforce", "api")
