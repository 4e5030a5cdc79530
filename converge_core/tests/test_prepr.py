"""The pre-PR evaluation's quality signal, score and pass rule."""

from __future__ import annotations

from converge_core import prepr


def test_problem_statement_and_scope_hint_count_as_description_and_scope():
    quality, suggestions = prepr.description_quality(
        semantic={"problem_statement": "Tokens expire without refresh"},
        technical={"scope_hint": ["auth/"]},
        source="feature/x",
        target="main",
    )
    assert (quality, suggestions) == (1.0, [])


def test_a_thin_draft_gets_suggestions():
    quality, suggestions = prepr.description_quality(
        semantic={"objective": "fix"}, technical={}, source="", target="main"
    )
    assert quality == 0.1
    assert len(suggestions) == 3


def test_a_near_duplicate_scores_below_the_enforce_threshold():
    score = prepr.draft_score({"max_similarity": 0.95, "description_quality": 0.767})
    assert 0.40 < score < 0.41
    assert prepr.draft_passed(score, "shadow") is True
    assert prepr.draft_passed(score, "enforce") is False
    assert prepr.draft_score({}) == 1.0
