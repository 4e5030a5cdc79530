"""Archaeology: history reports stored per repository, and the coupling validation reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.utils import timezone

from converge_core.archaeology import (
    Commit,
    analyse,
    coupling_pairs,
    merge_coupling,
    report_issues,
)
from converge_core.audit import format_timestamp
from converge_core.progress import SILENT, Progress
from converge_core.risk import CouplingRecord
from converge_core.states import Status
from flags.selectors import flag_is_enabled
from intents.choices import CommitRole
from intents.gitaccess import git_for
from intents.models import ArchaeologySnapshot, Intent, Repository
from ledger.selectors import latest_payloads


def _linked_file_sets(repository: Repository) -> list[list[str]]:
    """Files changed together by merged intents (from their last simulation)."""
    merged = Intent.objects.filter(
        repository=repository, status=Status.MERGED, commit_links__role=CommitRole.MERGE
    ).values_list("id", flat=True)
    simulations = latest_payloads(intent_ids=merged, event_type="simulation.completed")
    return [payload.get("files_changed", []) for payload in simulations.values()]


def archaeology_analyse(
    repository: Repository, *, max_commits: int = 400, top: int = 20, progress: Progress = SILENT
) -> dict[str, Any]:
    """Run the history analysis (one ``git log``), enriched by merged intents' changes when
    the ``archaeology_enhanced`` flag is on. Progress counts its three steps."""
    progress.start(f"Archaeology of {repository.name}", 3)
    git = git_for(repository)
    ref = repository.default_branch if git.head(repository.default_branch) else "HEAD"
    history = git.log_history(max_commits=max_commits, ref=ref)
    progress.advance()
    report = analyse([Commit(c.author_name, c.author_email, c.files) for c in history], top=top)
    progress.advance()
    if "error" not in report and flag_is_enabled("archaeology_enhanced"):
        linked = coupling_pairs(_linked_file_sets(repository), source="linked-history")
        report["coupling"] = merge_coupling(report["coupling"], linked)
    progress.advance()
    report["repository"] = repository.name
    report["timestamp"] = format_timestamp(timezone.now())
    return report


def archaeology_snapshot(
    repository: Repository,
    *,
    max_commits: int = 400,
    top: int = 20,
    path: str | None = None,
    progress: Progress = SILENT,
) -> dict[str, Any]:
    """Analyse, store the snapshot, and optionally write it to ``path``."""
    report = archaeology_analyse(repository, max_commits=max_commits, top=top, progress=progress)
    issues = report_issues(report)
    snapshot = ArchaeologySnapshot.objects.create(
        repository=repository,
        created_at=timezone.now(),
        commits_analyzed=report.get("commits_analyzed", 0),
        is_valid=not issues,
        issues=issues,
        report=report,
    )
    if path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(report, indent=2) + "\n")
    return {"snapshot_id": snapshot.pk, "valid": not issues, "issues": issues, **report}


def latest_coupling(repository: Repository) -> tuple[CouplingRecord, ...]:
    """Coupling of the latest valid snapshot (none: no coupling input)."""
    report = (
        ArchaeologySnapshot.objects.filter(repository=repository, is_valid=True)
        .values_list("report", flat=True)
        .first()
    )
    return coupling_of(report)


def coupling_of(report: dict[str, Any] | None) -> tuple[CouplingRecord, ...]:
    """The coupling pairs of a stored snapshot report."""
    if not report:
        return ()
    return tuple(
        CouplingRecord(pair["file_a"], pair["file_b"], int(pair["co_changes"]))
        for pair in report.get("coupling", [])
    )
