"""Runbook: Semantic Conflict Triage and Semantic Index Management, line by line."""

from __future__ import annotations

import pytest

from intents.tests.factories import IntentFactory, RepositoryFactory
from ledger.models import Event
from reviews.models import ReviewTask
from semantic.models import Embedding, SemanticConflict
from tests.runbook import runbook_env, runbook_line

SEMANTIC = {"problem_statement": "Tokens never rotate", "objective": "Rotate refresh tokens"}
# The resolve line as the runbook writes it, over two lines joined by the shell.
RESOLVE = """converge --db $CONVERGE_DB_PATH semantic conflict-resolve \\
  --intent-a <intent-id-1> --intent-b <intent-id-2> --resolution "overlapping scope accepted"
""".replace("\\\n", "")


@pytest.fixture(autouse=True)
def deployment(monkeypatch, tmp_path):
    runbook_env(monkeypatch, tmp_path)


def test_reindex_embeddings_then_index_one(cli, db):
    repo = RepositoryFactory()
    first = IntentFactory(repository=repo, semantic=SEMANTIC)
    IntentFactory(repository=repo, semantic={"objective": "Speed up CSV export"})

    before = runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic status")
    assert before.exit_code == 0
    assert (before.json["total_intents"], before.json["indexed"]) == (2, 0)

    reindexed = runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic reindex")
    assert reindexed.exit_code == 0
    assert (reindexed.json["indexed"], reindexed.json["total"]) == (2, 2)
    assert reindexed.json["model"] == "deterministic-v1"

    after = runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic status   # verify")
    assert after.json["indexed_pct"] == 100.0
    assert (after.json["stale"], after.json["last_model"]) == (0, "deterministic-v1")

    line = "converge --db $CONVERGE_DB_PATH semantic index --intent-id <id>"
    skipped = runbook_line(cli, line, id=first.pk)
    assert (skipped.exit_code, skipped.json["status"]) == (0, "skipped")
    first.semantic = {**SEMANTIC, "objective": "Rotate refresh tokens on every login"}
    first.save()
    assert runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic status").json["stale"] == 1
    indexed = runbook_line(cli, line, id=first.pk)
    assert (indexed.exit_code, indexed.json["status"]) == (0, "indexed")
    assert Event.objects.filter(event_type="embedding.generated", intent_id=first.pk).count() == 1
    unknown = runbook_line(cli, line, id="no-such-intent")
    assert (unknown.exit_code, unknown.json["reason"]) == (2, "not_found")


def test_reindex_of_an_empty_index_exits_1(cli, db):
    result = runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic reindex")
    assert (result.exit_code, result.json["total"]) == (1, 0)


def test_view_and_resolve_conflicts(cli, db):
    repo = RepositoryFactory()
    a = IntentFactory(repository=repo, source="feature/tokens", semantic=SEMANTIC)
    b = IntentFactory(repository=repo, source="feature/tokens", semantic=SEMANTIC)
    reindexed = runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic reindex")
    assert reindexed.json["scan"]["opened"] == 1  # indexing scans

    scanned = runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic conflicts")
    assert scanned.exit_code == 0
    assert [(c["intent_a"], c["intent_b"]) for c in scanned.json["conflicts"]] == [(a.pk, b.pk)]
    assert scanned.json["persisted"]["opened"] == 0
    listed = runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic conflict-list").json
    assert [(c["intent_a"], c["intent_b"], c["status"]) for c in listed] == [(a.pk, b.pk, "open")]

    resolved = runbook_line(cli, RESOLVE, **{"intent-id-1": b.pk, "intent-id-2": a.pk})
    assert resolved.exit_code == 0
    assert resolved.json["resolution"] == "overlapping scope accepted"
    assert runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic conflict-list").json == []
    row = SemanticConflict.objects.get()
    assert (row.status, row.resolution) == ("resolved", "overlapping scope accepted")
    event = Event.objects.get(event_type="semantic_conflict.resolved")
    assert event.payload["resolved_by"] == "system"
    # the resolved pair is not reported again
    again = runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic conflicts").json
    assert again["persisted"]["opened"] == 0
    assert runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic conflict-list").json == []


def test_enforce_holds_the_younger_intent_until_resolved(cli, db, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_SEMANTIC_CONFLICTS_MODE", "enforce")
    repo = RepositoryFactory()
    older = IntentFactory(repository=repo, source="feature/tokens", semantic=SEMANTIC)
    younger = IntentFactory(repository=repo, source="feature/tokens", semantic=SEMANTIC)
    reindexed = runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic reindex").json
    assert reindexed["scan"]["held"] == 1

    scanned = runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic conflicts").json
    assert (scanned["mode"], scanned["persisted"]["held"]) == ("enforce", 0)
    review = ReviewTask.objects.get()
    assert (review.intent_id, review.trigger, review.status) == (younger.pk, "conflict", "pending")

    from intents.hooks import queue_holds

    holds = {i: h for check in queue_holds() for i, h in check([younger.pk, older.pk]).items()}
    assert set(holds) == {younger.pk}

    runbook_line(cli, RESOLVE, **{"intent-id-1": older.pk, "intent-id-2": younger.pk})
    review.refresh_from_db()
    assert review.status == "cancelled"
    holds = {i: h for check in queue_holds() for i, h in check([younger.pk]).items()}
    assert holds == {}


def test_resolving_an_unknown_intent_exits_2(cli, db):
    known = IntentFactory()
    result = runbook_line(cli, RESOLVE, **{"intent-id-1": known.pk, "intent-id-2": "missing"})
    assert result.exit_code == 2
    assert "error" in result.json


def test_acknowledging_a_pair_before_it_is_found_suppresses_it(cli, db):
    repo = RepositoryFactory()
    a = IntentFactory(repository=repo, source="feature/tokens", semantic=SEMANTIC)
    b = IntentFactory(repository=repo, source="feature/tokens", semantic=SEMANTIC)
    acknowledged = runbook_line(cli, RESOLVE, **{"intent-id-1": a.pk, "intent-id-2": b.pk})
    assert acknowledged.json["status"] == "acknowledged"
    runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic reindex")
    assert Embedding.objects.count() == 2

    runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic conflicts")

    assert runbook_line(cli, "converge --db $CONVERGE_DB_PATH semantic conflict-list").json == []
