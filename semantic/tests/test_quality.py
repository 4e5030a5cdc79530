"""The labelled pairs: the language model separates conflicts from unrelated changes clearly;
the deterministic provider, which finds exact duplicates only, reports none of them."""

from __future__ import annotations

import pytest

from bench.semantic_quality import evaluate, labelled_pairs

pytestmark = pytest.mark.django_db


def test_the_labelled_set_covers_every_kind() -> None:
    pairs = labelled_pairs()
    kinds = {pair["kind"] for pair in pairs}
    assert len(pairs) >= 60
    assert kinds == {"paraphrase", "two_sides", "same_area", "elsewhere"}
    assert all(pair["conflict"] == (pair["kind"] in ("paraphrase", "two_sides")) for pair in pairs)


def test_the_deterministic_provider_reports_no_false_conflict() -> None:
    result = evaluate("deterministic")
    assert (result["tp"], result["fp"]) == (0, 0)


@pytest.mark.slow
def test_the_model_separates_conflicts_from_unrelated_changes() -> None:
    result = evaluate("sentence-transformers")

    assert result["precision"] >= 0.9
    assert result["recall"] >= 0.8
    means = result["mean_similarity_by_kind"]
    assert (
        min(means["paraphrase"], means["two_sides"]) - max(means["same_area"], means["elsewhere"])
        >= 0.4
    )
