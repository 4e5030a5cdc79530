import pytest

from converge_core.errors import InvalidInput
from converge_core.flags import FLAG_SPECS, FLAGS, FlagOverride, resolve_flag

RUNBOOK_DEFAULTS = {
    "intent_links": (True, ""),
    "archaeology_enhanced": (True, ""),
    "intent_semantics": (True, ""),
    "origin_policy": (True, ""),
    "verification_debt": (True, ""),
    "review_tasks": (True, ""),
    "security_adapters": (True, ""),
    "intake_control": (True, ""),
    "semantic_conflicts": (True, "shadow"),
    "plan_coordination": (True, ""),
    "audit_chain": (True, ""),
    "code_ownership": (False, ""),
    "pre_eval_harness": (True, "shadow"),
    "semantic_embeddings_model": (True, "deterministic"),
    "risk_auto_classify": (True, "enforce"),
    "advisory_locks": (False, "shadow"),
    "llm_review_advisor": (False, "shadow"),
    "coherence_feedback": (True, ""),
    "notifications": (False, "shadow"),
}


def test_the_nineteen_flags_have_the_runbook_defaults():
    assert len(FLAG_SPECS) == 19
    assert {s.name: (s.enabled, s.mode) for s in FLAG_SPECS} == RUNBOOK_DEFAULTS


def _resolve(name="semantic_conflicts", environ=None, file_doc=None, override=None):
    return resolve_flag(
        FLAGS[name], environ=environ or {}, file_doc=file_doc or {}, override=override
    )


def test_default_source():
    state = _resolve()
    assert (state.enabled, state.mode, state.source) == (True, "shadow", "default")


def test_file_beats_default():
    state = _resolve(file_doc={"semantic_conflicts": {"enabled": True, "mode": "enforce"}})
    assert (state.mode, state.source) == ("enforce", "config")
    assert _resolve(file_doc={"semantic_conflicts": False}).enabled is False


def test_environment_beats_file():
    state = _resolve(
        environ={"CONVERGE_FF_SEMANTIC_CONFLICTS": "off"},
        file_doc={"semantic_conflicts": True},
    )
    assert (state.enabled, state.source) == (False, "env")


def test_mode_from_environment_is_reported_as_env():
    state = _resolve(environ={"CONVERGE_FF_SEMANTIC_CONFLICTS_MODE": "enforce"})
    assert (state.mode, state.source) == ("enforce", "env")


def test_runtime_override_beats_environment():
    state = _resolve(
        environ={"CONVERGE_FF_SEMANTIC_CONFLICTS": "1"}, override=FlagOverride(enabled=False)
    )
    assert (state.enabled, state.source) == (False, "api")


@pytest.mark.parametrize("word", ["maybe", "", "2", "enabled"])
def test_an_unparsable_boolean_names_the_variable(word):
    with pytest.raises(InvalidInput, match="CONVERGE_FF_AUDIT_CHAIN"):
        _resolve("audit_chain", environ={"CONVERGE_FF_AUDIT_CHAIN": word})


@pytest.mark.parametrize(
    "word,expected",
    [("TRUE", True), ("Yes", True), ("on", True), ("0", False), ("No", False), ("OFF", False)],
)
def test_booleans_accept_the_strict_words_in_any_case(word, expected):
    assert _resolve("audit_chain", environ={"CONVERGE_FF_AUDIT_CHAIN": word}).enabled is expected


def test_unknown_modes_are_refused():
    with pytest.raises(InvalidInput, match="invalid mode 'loud'"):
        _resolve(environ={"CONVERGE_FF_SEMANTIC_CONFLICTS_MODE": "loud"})
    with pytest.raises(InvalidInput, match="takes no mode"):
        _resolve("audit_chain", file_doc={"audit_chain": {"mode": "enforce"}})


def test_embedding_model_modes_are_provider_names():
    state = _resolve(
        "semantic_embeddings_model",
        environ={"CONVERGE_FF_SEMANTIC_EMBEDDINGS_MODEL_MODE": "sentence-transformers"},
    )
    assert state.mode == "sentence-transformers"


def test_api_shape_omits_an_empty_mode():
    assert "mode" not in _resolve("audit_chain").as_dict()
    assert _resolve().as_dict() == {
        "name": "semantic_conflicts",
        "enabled": True,
        "description": "Semantic conflict detection",
        "source": "default",
        "mode": "shadow",
    }
