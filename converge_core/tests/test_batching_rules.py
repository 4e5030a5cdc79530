"""Batch composition, bisection and the adaptive window, over plain values."""

from __future__ import annotations

import itertools

import pytest

from converge_core.batching import (
    BatchCandidate,
    BatchSettings,
    Bisection,
    adapt_window,
    compose_batch,
)


def _candidates(spec: str) -> list[BatchCandidate]:
    """``"..a."``: one candidate per character, ``a`` = tested alone."""
    return [BatchCandidate(f"i{n}", alone=char == "a") for n, char in enumerate(spec)]


@pytest.mark.parametrize(
    ("spec", "window", "expected"),
    [
        ("", 4, []),
        ("......", 4, ["i0", "i1", "i2", "i3"]),
        ("..", 4, ["i0", "i1"]),
        ("a...", 4, ["i0"]),
        ("..a.", 4, ["i0", "i1"]),
        ("....", 1, ["i0"]),
        (".a", 4, ["i0"]),
    ],
)
def test_batch_takes_the_head_up_to_the_window_and_stops_before_an_alone_intent(
    spec: str, window: int, expected: list[str]
) -> None:
    assert compose_batch(_candidates(spec), window) == expected


def test_every_composition_is_a_prefix_and_alone_intents_are_alone() -> None:
    for length in range(7):
        for flags in itertools.product(".a", repeat=length):
            candidates = _candidates("".join(flags))
            for window in range(1, 6):
                batch = compose_batch(candidates, window)
                assert batch == [c.intent_id for c in candidates[: len(batch)]]
                assert len(batch) <= window and (length == 0) == (not batch)
                alone = [c.intent_id for c in candidates if c.alone]
                assert all(batch == [name] for name in alone if name in batch)


def test_window_grows_by_one_after_green_and_halves_after_red_within_bounds() -> None:
    settings = BatchSettings(size=4, min_size=2, max_size=6)

    assert adapt_window(4, True, settings) == 5
    assert adapt_window(6, True, settings) == 6
    assert adapt_window(5, False, settings) == 2
    assert adapt_window(2, False, settings) == 2


def test_a_fixed_window_stays_at_its_size() -> None:
    settings = BatchSettings(size=3, adaptive=False)

    assert adapt_window(3, True, settings) == 3
    assert adapt_window(3, False, settings) == 3


def _search(members: list[str], failing: set[str]) -> Bisection:
    """Bisect with an oracle: a tree fails when it contains a failing member."""
    bisection = Bisection.of_failed_batch(members)
    while (tree := bisection.next_tree()) is not None:
        assert tree not in [seen for seen, _ in bisection.tested], "a tree is tested twice"
        bisection.record(tree, not failing & set(tree))
    return bisection


def test_bisection_finds_exactly_the_failing_members_for_every_placement() -> None:
    for size in range(1, 9):
        members = [f"m{n}" for n in range(size)]
        for count in range(1, size + 1):
            for failing in itertools.combinations(members, count):
                bisection = _search(members, set(failing))
                assert bisection.bad == list(failing)
                assert bisection.good == [m for m in members if m not in failing]


def test_every_tested_tree_is_the_good_prefix_plus_one_contiguous_segment() -> None:
    members = [f"m{n}" for n in range(8)]
    for failing in itertools.combinations(members, 2):
        bisection = _search(members, set(failing))
        for tree, _ in bisection.tested:
            order = [members.index(name) for name in tree]
            assert order == sorted(order), "members are tested in queue order"


def test_one_failing_member_costs_about_log2_runs() -> None:
    for size in (2, 4, 8, 16):
        members = [f"m{n}" for n in range(size)]
        worst = max(len(_search(members, {bad}).tested) for bad in members)
        levels = (size - 1).bit_length()
        assert worst <= 2 * levels
        assert len(_search(members, {members[-1]}).tested) == levels  # the last: left halves pass


def test_a_failure_of_the_whole_batch_only_together_is_pinned_on_the_member_that_completes_it() -> (
    None
):
    members = ["m0", "m1", "m2", "m3"]
    bisection = Bisection.of_failed_batch(members)
    while (tree := bisection.next_tree()) is not None:
        bisection.record(tree, not {"m1", "m3"} <= set(tree))  # only m1 with m3 breaks

    assert bisection.bad == ["m3"]
    assert bisection.good == ["m0", "m1", "m2"]
