"""Precision and recall of semantic conflict detection on the labelled pairs, per provider.

The pairs (``semantic/tests/data/labelled_pairs.json``, 64 of them) are paraphrases and one
concern pulled two ways (conflicts), and unrelated changes in the same area or elsewhere (not
conflicts). Each side is an intent on ``main`` whose objective is the text; a pair is reported
as a conflict the way the scan reports it: similarity ≥ the similarity threshold and score
(``0.6·similarity + 0.2·target_overlap + 0.2·scope_overlap``, here ``0.6·s + 0.2``) ≥ the
conflict threshold, with the API's defaults 0.70 / 0.60.

    .venv/bin/python bench/semantic_quality.py [--provider deterministic|sentence-transformers]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAIRS = ROOT / "semantic" / "tests" / "data" / "labelled_pairs.json"


def labelled_pairs() -> list[dict[str, Any]]:
    pairs: list[dict[str, Any]] = json.loads(PAIRS.read_text())["pairs"]
    return pairs


def evaluate(
    provider_name: str, *, similarity_threshold: float = 0.70, conflict_threshold: float = 0.60
) -> dict[str, Any]:
    """The confusion counts, precision, recall and per-kind detection rate of one provider
    (Django must be set up)."""
    import numpy as np

    from converge_core.semantic import conflict_score
    from converge_core.semantic_vectors import normalised
    from semantic.providers import provider_get
    from semantic.texts import draft_text

    provider = provider_get(provider_name)
    pairs = labelled_pairs()
    sides = sorted({text for pair in pairs for text in (pair["a"], pair["b"])})
    started = time.perf_counter()
    vectors = normalised(
        provider.embed(
            [
                provider.text_of(draft_text(semantic={"objective": text}, source=f"feature/{n}"))
                for n, text in enumerate(sides)
            ]
        )
    )
    embed_seconds = time.perf_counter() - started
    index = {text: row for row, text in enumerate(sides)}
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    similarities: dict[str, list[float]] = defaultdict(list)
    for pair in pairs:
        similarity = float(np.clip(vectors[index[pair["a"]]] @ vectors[index[pair["b"]]], -1, 1))
        score = conflict_score(round(similarity, 4), 1.0, 0.0)
        found = similarity >= similarity_threshold and score >= conflict_threshold
        key = ("t" if found == pair["conflict"] else "f") + ("p" if found else "n")
        counts[key] += 1
        by_kind[pair["kind"]][0] += int(found)
        by_kind[pair["kind"]][1] += 1
        similarities[pair["kind"]].append(similarity)
    predicted = counts["tp"] + counts["fp"]
    actual = counts["tp"] + counts["fn"]
    return {
        "provider": provider_name,
        "model": provider.model,
        "pairs": len(pairs),
        "thresholds": [similarity_threshold, conflict_threshold],
        **counts,
        "precision": round(counts["tp"] / predicted, 3) if predicted else None,
        "recall": round(counts["tp"] / actual, 3) if actual else None,
        "reported_by_kind": {kind: f"{hit}/{total}" for kind, (hit, total) in by_kind.items()},
        "mean_similarity_by_kind": {
            kind: round(sum(values) / len(values), 3) for kind, values in similarities.items()
        },
        "embed_seconds": round(embed_seconds, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--provider", action="append", choices=["deterministic", "sentence-transformers"]
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "converge_site.settings")
    import django

    django.setup()
    for name in args.provider or ["deterministic", "sentence-transformers"]:
        print(json.dumps(evaluate(name)), flush=True)


if __name__ == "__main__":
    main()
