import json

from converge_core.advisor import DIFF_LIMIT, build_prompt, parse_analysis


def test_the_json_between_the_first_and_last_brace_is_read():
    text = 'Sure! {"summary": "ok", "risk_highlights": ["a"], "confidence": 0.9} Thanks'
    analysis = parse_analysis(text)
    assert analysis.as_dict() == {
        "summary": "ok",
        "risk_highlights": ["a"],
        "suggested_focus_areas": [],
        "confidence": 0.9,
    }


def test_a_missing_confidence_is_a_half_and_free_text_is_kept():
    assert parse_analysis('{"summary": "s"}').confidence == 0.5
    free = parse_analysis("x" * 600)
    assert (free.summary, free.confidence) == ("x" * 500, 0.3)
    assert parse_analysis("{not json}").confidence == 0.3
    assert parse_analysis('{"summary": "s", "confidence": 7}').confidence == 1.0


def test_the_prompt_carries_the_intent_the_risk_and_a_truncated_change():
    prompt = build_prompt({"id": "i-1"}, {"risk_score": 42.0, "findings": []}, "d" * 9000)
    assert json.dumps({"id": "i-1"}, indent=2) in prompt
    assert '"risk_score": 42.0' in prompt and "findings" not in prompt
    assert prompt.endswith("Change:\n" + "d" * DIFF_LIMIT)
