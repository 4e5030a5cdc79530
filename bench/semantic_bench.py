"""Semantic benchmarks: embedding throughput of the real model, and full conflict scans from
stored vectors in a process that never loads the model.

- embed: ``--embed`` intent texts (1,000) made from the labelled pairs' objectives with a
  varying suffix, embedded through the sentence-transformers provider in batches of
  ``CONVERGE_SEMANTIC_BATCH_SIZE`` (100) on ``CONVERGE_SEMANTIC_THREADS`` (2) threads; the
  model's load time is reported apart.
- scan: for each N (1,000, 5,000, 10,000) a fresh SQLite database in a subprocess holds N
  in-flight intents of one repository spread over 3 targets, each with a stored 384-dimension
  float32 vector: random directions (cosine ≈ 0 between them, like unrelated texts) with 2 %
  of the intents near-copies of another (cosine ≈ 0.85, like paraphrases). Reported: the
  first persisting scan (opens every conflict, with its events), the next one (nothing new:
  writes nothing), the matrix part alone, the peak resident memory of the process and its
  growth during the scans, the share of pairs at or above the similarity threshold, and
  whether torch was imported (it must not be). Wall times and CPU times (all threads) are
  both given: on a shared machine the wall time also measures the neighbours.

    .venv/bin/python bench/semantic_bench.py [--embed 1000] [--sizes 1000,5000,10000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCAN = r"""
import json, os, resource, sys, time
import django
django.setup()
from interfaces.dbready import ensure_database_ready
ensure_database_ready()
import numpy as np
from django.utils import timezone
from converge_core.semantic import find_conflicts, vector_bytes
from intents.models import Intent, Repository
from semantic.conflicts import _groups, _matrix, conflict_scan
from semantic.models import Embedding

size, dimension = int(sys.argv[1]), 384
rng = np.random.default_rng(42)
vectors = rng.normal(size=(size, dimension)).astype(np.float32)
twins = rng.choice(size, size=size // 50, replace=False)
for index in twins:
    # a near-copy of an intent of the same target (n % 3): cosine 1 / sqrt(1 + 0.62²) ≈ 0.85
    vectors[index] = vectors[(index + 3) % size] + rng.normal(scale=0.62, size=dimension)
repo = Repository.objects.create(name="bench", path="/srv/bench")
now = timezone.now()
targets = ("main", "release", "dev")
Intent.objects.bulk_create(
    [
        Intent(
            id=f"bench-{n:05d}",
            repository=repo,
            source=f"feature/{n}",
            target=targets[n % 3],
            status="VALIDATED",
            created_at=now,
            semantic={"objective": f"change {n}"},
        )
        for n in range(size)
    ],
    batch_size=2000,
)
Embedding.objects.bulk_create(
    [
        Embedding(
            intent_id=f"bench-{n:05d}",
            provider="sentence-transformers",
            model="all-MiniLM-L6-v2",
            dimension=dimension,
            vector=vector_bytes(vectors[n]),
            checksum="0" * 64,
        )
        for n in range(size)
    ],
    batch_size=2000,
)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started, cpu = time.perf_counter(), time.process_time()
first = conflict_scan(model="all-MiniLM-L6-v2", actor="bench")
first_s, first_cpu = time.perf_counter() - started, time.process_time() - cpu
started, cpu = time.perf_counter(), time.process_time()
second = conflict_scan(model="all-MiniLM-L6-v2", actor="bench")
second_s, second_cpu = time.perf_counter() - started, time.process_time() - cpu
started = time.perf_counter()
groups, _ = _groups(model="all-MiniLM-L6-v2", tenant_id=None, target=None, repository_id=None)
load_s = time.perf_counter() - started
started, cpu = time.perf_counter(), time.process_time()
unit = _matrix(groups[0].vectors)
found, pairs = find_conflicts(
    groups[0].items, unit, similarity_threshold=0.70, conflict_threshold=0.60
)
matrix_s, matrix_cpu = time.perf_counter() - started, time.process_time() - cpu
unit_n = unit / np.linalg.norm(unit, axis=1, keepdims=True)
above = 0
for start in range(0, size, 1024):
    block = unit_n[start : start + 1024] @ unit_n.T
    rows = np.arange(block.shape[0])[:, None] + start
    above += int(((block >= 0.70) & (np.arange(size)[None, :] > rows)).sum())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({
    "intents": size,
    "targets": 3,
    "pairs": pairs,
    "pairs_above_similarity_threshold": above,
    "share_above_threshold_pct": round(100.0 * above / pairs, 4),
    "conflicts_reported": len(first["conflicts"]),
    "first_scan_s": round(first_s, 3),
    "first_scan_cpu_s": round(first_cpu, 3),
    "first_scan_opened": first["persisted"]["opened"],
    "steady_scan_s": round(second_s, 3),
    "steady_scan_cpu_s": round(second_cpu, 3),
    "steady_scan_opened": second["persisted"]["opened"],
    "load_vectors_s": round(load_s, 3),
    "matrix_s": round(matrix_s, 3),
    "matrix_cpu_s": round(matrix_cpu, 3),
    "load_average_1m": round(os.getloadavg()[0], 1),
    "peak_rss_mb": round(peak / 1024, 1),
    "rss_growth_during_scans_mb": round((peak - before) / 1024, 1),
    "torch_imported": "torch" in sys.modules,
}))
"""


def scan(size: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as workdir:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "CONVERGE_HOME": workdir,
            "CONVERGE_DB_BACKEND": "sqlite",
            "CONVERGE_DB_PATH": str(Path(workdir) / "state.db"),
            "DJANGO_SETTINGS_MODULE": "converge_site.settings",
            "CONVERGE_LOG_LEVEL": "error",
        }
        done = subprocess.run(
            [sys.executable, "-c", SCAN, str(size)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise SystemExit(done.stderr)
        result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


def embed(count: int) -> dict[str, object]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "converge_site.settings")
    os.environ.setdefault("CONVERGE_LOG_LEVEL", "error")
    import django

    django.setup()
    from django.conf import settings

    from bench.semantic_quality import labelled_pairs
    from semantic.providers import provider_get

    texts = sorted({text for pair in labelled_pairs() for text in (pair["a"], pair["b"])})
    corpus = [f"{texts[n % len(texts)]} (part {n // len(texts) + 1})" for n in range(count)]
    provider = provider_get("sentence-transformers")
    started = time.perf_counter()
    provider.embed(["warm up"])
    load_s = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    size = settings.CONVERGE_SEMANTIC_BATCH_SIZE
    for start in range(0, count, size):
        provider.embed(corpus[start : start + size])
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {
        "texts": count,
        "batch_size": size,
        "threads": settings.CONVERGE_SEMANTIC_THREADS,
        "model_load_s": round(load_s, 2),
        "embed_s": round(seconds, 2),
        "intents_per_s": round(count / seconds, 1),
        "cpu_s": round(cpu_seconds, 2),
        "intents_per_cpu_s": round(count / cpu_seconds, 1),
        "load_average_1m": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embed", type=int, default=1000)
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--skip-embed", action="store_true")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        print(json.dumps({"scan": scan(size)}), flush=True)
    if not args.skip_embed:
        print(json.dumps({"embed": embed(args.embed)}), flush=True)


if __name__ == "__main__":
    main()
