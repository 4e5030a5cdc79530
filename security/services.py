"""Security scans and the dismissal of findings.

A scan is planned first (:func:`scan_plan`): which tree, which files and under which key. An
intent's scan covers the files the intent changes, as they are in its merged tree; a scan
without an intent covers the head of the repository's target branch. Both are read from git
(``materialize_paths``), never from a working tree. ``--path`` narrows either to a path inside
that tree.

:func:`scan_execute` runs the configured scanners, then records the scan and its findings in
one transaction: findings are kept per scope (the intent, or the target branch) by
fingerprint, so a rescan updates them, marks those it no longer sees ``fixed`` and keeps a
dismissal. The events are ``security.scan.completed`` and ``security.finding.detected`` for
each critical or high finding first seen (a validation's own scan is recorded by its decision
instead); a critical finding also notifies (runbook triage step 2).
A validation or a pre-scan reuses a completed scan of the same key: the scanned files as the
scanners see them (each path with its mode and blob id in the scanned tree) and the scanner
versions and configuration. The scanners read nothing but those files, materialised from the
tree (pip-audit only the requirements files among them), so a target that moves without
changing them (the queue's revalidation after each merge) reuses the scan, and a change to
one of them scans again. A pre-scan that finds its content scanned already is recorded as a
copy of that scan's results (``duration_ms`` 0), so the heads it was asked for count as
scanned. An operator's scan always runs.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from converge_core.errors import Conflict, ConvergeError, InvalidInput
from converge_core.fingerprint import digest
from converge_core.git import GitRepository
from converge_core.ids import new_id
from converge_core.progress import SILENT, Progress
from converge_core.security import (
    SEVERITY_ORDER,
    Category,
    FindingStatus,
    RawFinding,
    ScannerStatus,
    ScanStatus,
    ScanTrigger,
    Severity,
    clean_scan_path,
    redact,
    under,
)
from converge_core.states import ACTIVE
from intents.gitaccess import git_for
from intents.models import Intent, Repository
from intents.repositories import repository_resolve
from intents.selectors import intent_get
from ledger.append import event_append
from notifications.dispatch import notify
from security.models import SecurityFinding, SecurityScan
from security.scanners import (
    Scanner,
    ScannerResult,
    configured_scanners,
    scanners_identity,
    secret_values,
)
from security.selectors import finding_get
from security.serialization import finding_serialize, scan_serialize

logger = logging.getLogger("converge.security")
REASON_LIMIT = 1000


@dataclass(frozen=True)
class ScanPlan:
    """What one scan covers."""

    repository: Repository
    intent: Intent | None
    tenant_id: str | None
    scope: str
    path: str
    ref: str
    source_sha: str
    target_sha: str
    tree_sha: str
    blobs: tuple[tuple[str, str, str], ...]  # (path, mode, blob id) of each scanned file
    identity: str

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(path for path, _mode, _blob in self.blobs)

    @property
    def key(self) -> str:
        """What the scanners see: each file's path, mode and content, and the scanners."""
        return digest({"blobs": [list(blob) for blob in self.blobs], "scanners": self.identity})


def intent_scope(intent_id: str) -> str:
    return f"intent:{intent_id}"


def target_scope(repository: Repository, target: str) -> str:
    return f"target:{repository.pk}:{target}"


def _existing(git: GitRepository, tree_sha: str, path: str) -> None:
    if path and not git.tree_files(tree_sha, [path]):
        raise InvalidInput(f"path {path!r} is not in the scanned tree", field="path", path=path)


def scan_plan(
    *,
    intent_id: str | None = None,
    path: str | None = None,
    tenant_id: str | None = None,
    simulation: dict[str, Any] | None = None,
    intent: Intent | None = None,
) -> ScanPlan:
    """The tree and files a scan covers (see the module docstring).

    ``simulation`` is the intent's simulation payload when the caller has one (the gate), and
    ``intent`` the intent's row (with its repository) when the caller has read it already;
    ``tenant_id`` confines the intent lookup to a tenant.
    """
    cleaned = clean_scan_path(path)
    identity = scanners_identity(configured_scanners())
    if intent_id is not None:
        if intent is None or intent.id != intent_id:
            intent = intent_get(intent_id, tenant_id=tenant_id)
        git = git_for(intent.repository)
        if simulation is None:
            simulation = git.simulate(intent.source, intent.target).to_payload()
        tree_sha = str(simulation["tree_sha"])
        _existing(git, tree_sha, cleaned)
        changed = [f for f in simulation.get("files_changed") or () if under(f, cleaned)]
        blobs = git.tree_blobs(tree_sha, changed) if changed else ()
        return ScanPlan(
            repository=intent.repository,
            intent=intent,
            tenant_id=intent.tenant_id,
            scope=intent_scope(intent.id),
            path=cleaned,
            ref=intent.source,
            source_sha=str(simulation.get("source_sha") or ""),
            target_sha=str(simulation.get("target_sha") or ""),
            tree_sha=tree_sha,
            blobs=blobs,
            identity=identity,
        )
    repository = repository_resolve()
    git = git_for(repository)
    target = repository.default_branch
    head = git.head(target)
    if head is None:
        raise InvalidInput(f"the target branch {target} has no commit", field="target")
    tree_sha = git.tree_of(head)
    _existing(git, tree_sha, cleaned)
    return ScanPlan(
        repository=repository,
        intent=None,
        tenant_id=tenant_id,
        scope=target_scope(repository, target),
        path=cleaned,
        ref=target,
        source_sha="",
        target_sha=head,
        tree_sha=tree_sha,
        blobs=git.tree_blobs(tree_sha, [cleaned] if cleaned else []),
        identity=identity,
    )


def reusable_scan(plan: ScanPlan) -> SecurityScan | None:
    """The latest completed scan of the same scope and key whose scanners all finished
    (an ``error`` is tried again)."""
    for scan in SecurityScan.objects.filter(
        scope=plan.scope, scan_key=plan.key, status=ScanStatus.COMPLETED
    ).order_by("-completed_at")[:5]:
        if all(s.get("status") != ScannerStatus.ERROR for s in scan.scanners):
            return scan
    return None


def _new_scan(plan: ScanPlan, *, trigger: str, actor: str, status: str) -> SecurityScan:
    return SecurityScan(
        id=new_id(),
        repository=plan.repository,
        intent=plan.intent,
        tenant_id=plan.tenant_id,
        scope=plan.scope,
        trigger=trigger,
        actor=actor,
        path=plan.path,
        ref=plan.ref,
        source_sha=plan.source_sha,
        target_sha=plan.target_sha,
        tree_sha=plan.tree_sha,
        scan_key=plan.key,
        identity=plan.identity,
        files_scanned=len(plan.files),
        status=status,
    )


def _scan_one(scanner: Scanner, workdir: Path, files: Sequence[str]) -> ScannerResult:
    try:
        return scanner.scan(workdir, files)
    except Exception as exc:  # one scanner's failure never stops the others
        logger.exception("security scanner %s failed", scanner.name)
        return ScannerResult(scanner.name, ScannerStatus.ERROR, reason=exc.__class__.__name__)


def _run_scanners(plan: ScanPlan, progress: Progress) -> list[ScannerResult]:
    """Every scanner over the materialised files, side by side (each is its own process, so
    the scan takes as long as the slowest one); results in the configured order."""
    scanners = configured_scanners()
    progress.start(f"security scan of {len(plan.files)} files", total=len(scanners))
    with (
        git_for(plan.repository).materialize_paths(plan.tree_sha, plan.files) as workdir,
        ThreadPoolExecutor(max_workers=max(1, len(scanners))) as pool,
    ):
        futures = [pool.submit(_scan_one, scanner, workdir, plan.files) for scanner in scanners]
        for _ in as_completed(futures):
            progress.advance()
        return [future.result() for future in futures]


def _clean(finding: RawFinding) -> RawFinding:
    """Every message of a tool's own text redacted once more with detect-secrets' plugins (a
    secret's message is its rule and hash already)."""
    if finding.category == Category.SECRETS:
        return finding
    message = redact(finding.message, detector=secret_values)
    return finding if message == finding.message else replace(finding, message=message)


def scan_preview(
    plan: ScanPlan, progress: Progress = SILENT
) -> tuple[list[ScannerResult], dict[str, RawFinding]]:
    """Run the scanners and return their results and the findings by fingerprint, redacted;
    nothing is stored."""
    results = _run_scanners(plan, progress)
    findings: dict[str, RawFinding] = {}
    for result in results:
        for finding in result.findings:
            cleaned = _clean(finding)
            findings.setdefault(cleaned.fingerprint, cleaned)
    return results, findings


def scan_execute(
    plan: ScanPlan,
    *,
    trigger: str = ScanTrigger.OPERATOR,
    actor: str = "system",
    scan: SecurityScan | None = None,
    progress: Progress = SILENT,
) -> SecurityScan:
    """Run the scanners over the plan's files and record the scan and its findings."""
    scan = scan or _new_scan(plan, trigger=trigger, actor=actor, status=ScanStatus.RUNNING)
    scan.started_at = timezone.now()
    started = time.monotonic()
    results, findings = scan_preview(plan, progress)
    counts = Counter(str(finding.severity) for finding in findings.values())
    scan.scanners = [result.to_dict() for result in results]
    scan.errors = [
        {"scanner": r.scanner, "status": r.status, "reason": r.reason}
        for r in results
        if r.status in (ScannerStatus.ERROR, ScannerStatus.UNAVAILABLE)
    ]
    scan.total_findings = len(findings)
    scan.severity_counts = {
        severity: counts[severity] for severity in sorted(counts, key=SEVERITY_ORDER.__getitem__)
    }
    scan.fingerprints = sorted(findings)
    scan.status = ScanStatus.COMPLETED
    scan.completed_at = timezone.now()
    scan.duration_ms = int((time.monotonic() - started) * 1000)
    # A validation's own scan is part of its decision (``policy.evaluated`` names what it
    # found, the scan row keeps the rest): it writes no events of its own.
    events = trigger != ScanTrigger.VALIDATION
    with transaction.atomic():
        scan.save()
        _record_findings(scan, plan, list(findings.values()), events=events)
        if events:
            event_append(
                event_type="security.scan.completed",
                intent_id=scan.intent_id,
                tenant_id=scan.tenant_id,
                agent_id=actor,
                payload=scan_serialize(scan),
            )
    return scan


def _record_findings(
    scan: SecurityScan, plan: ScanPlan, findings: Sequence[RawFinding], *, events: bool
) -> None:
    now = scan.completed_at or timezone.now()
    known = {
        finding.fingerprint: finding
        for finding in SecurityFinding.objects.select_for_update().filter(scope=plan.scope)
    }
    seen = set()
    for raw in findings:
        seen.add(raw.fingerprint)
        row = known.get(raw.fingerprint)
        first = row is None or row.status == FindingStatus.FIXED
        if row is None:
            row = SecurityFinding(
                id=new_id(),
                scope=plan.scope,
                fingerprint=raw.fingerprint,
                repository=plan.repository,
                first_seen_at=now,
            )
        row.intent = plan.intent
        row.tenant_id = plan.tenant_id
        row.scan = scan
        row.source_sha = plan.source_sha
        row.scanner, row.category, row.severity = raw.scanner, raw.category, raw.severity
        row.confidence, row.rule, row.file = raw.confidence, raw.rule, raw.file
        row.line, row.message, row.last_seen_at = raw.line, raw.message, now
        if row.status != FindingStatus.DISMISSED:
            row.status = FindingStatus.OPEN
        row.save()
        if first and row.status == FindingStatus.OPEN:
            _detected(scan, row, events=events)
    gone = [fp for fp, row in known.items() if fp not in seen and row.status == FindingStatus.OPEN]
    if gone and not plan.path:
        SecurityFinding.objects.filter(scope=plan.scope, fingerprint__in=gone).update(
            status=FindingStatus.FIXED
        )


def _detected(scan: SecurityScan, finding: SecurityFinding, *, events: bool) -> None:
    """A critical or high finding seen for the first time: recorded, and a critical one is
    sent on the notifications channel (runbook triage step 2: notify the owner)."""
    if finding.severity not in (Severity.CRITICAL, Severity.HIGH):
        return
    payload = {"scan_id": scan.id, "finding": finding_serialize(finding)}
    if events:
        event_append(
            event_type="security.finding.detected",
            intent_id=finding.intent_id,
            tenant_id=finding.tenant_id,
            agent_id=scan.actor,
            payload=payload,
        )
    if finding.severity == Severity.CRITICAL:
        notify(
            "security.finding.detected",
            payload,
            intent_id=finding.intent_id,
            tenant_id=finding.tenant_id,
        )


def security_scan(
    *,
    intent_id: str | None = None,
    path: str | None = None,
    tenant_id: str | None = None,
    actor: str = "system",
    trigger: str = ScanTrigger.OPERATOR,
    simulation: dict[str, Any] | None = None,
    progress: Progress = SILENT,
) -> tuple[SecurityScan, bool]:
    """Scan now, in this process; returns the scan and whether it was reused (only a
    validation's or a pre-scan's scan is reused)."""
    plan = scan_plan(intent_id=intent_id, path=path, tenant_id=tenant_id, simulation=simulation)
    if trigger != ScanTrigger.OPERATOR:
        reused = reusable_scan(plan)
        if reused is not None:
            return reused, True
    return scan_execute(plan, trigger=trigger, actor=actor, progress=progress), False


def scan_queue(
    *,
    intent_id: str | None = None,
    path: str | None = None,
    tenant_id: str | None = None,
    actor: str,
    trigger: str = ScanTrigger.OPERATOR,
) -> SecurityScan:
    """Plan a scan now (bad input is refused here), record it ``queued`` and run it on the
    ``security`` queue once this transaction commits."""
    from security.tasks import security_scan_task

    plan = scan_plan(intent_id=intent_id, path=path, tenant_id=tenant_id)
    scan = _new_scan(plan, trigger=trigger, actor=actor, status=ScanStatus.QUEUED)
    scan.save()
    transaction.on_commit(lambda: security_scan_task.delay(scan.id))
    return scan


def scan_run_queued(scan_id: str) -> dict[str, Any] | None:
    """Run a queued scan (the task): a scan already started is left alone (a redelivery)."""
    taken = SecurityScan.objects.filter(pk=scan_id, status=ScanStatus.QUEUED).update(
        status=ScanStatus.RUNNING, started_at=timezone.now()
    )
    if not taken:
        return None
    scan = SecurityScan.objects.select_related("intent", "repository").get(pk=scan_id)
    try:
        plan = (
            _plan_of_repository(scan)
            if scan.intent_id is None
            else scan_plan(intent_id=scan.intent_id, path=scan.path)
        )
        scan.scan_key, scan.identity, scan.tree_sha = plan.key, plan.identity, plan.tree_sha
        scan.source_sha, scan.target_sha = plan.source_sha, plan.target_sha
        scan.files_scanned = len(plan.files)
        reused = reusable_scan(plan) if scan.trigger == ScanTrigger.PRESCAN else None
        if reused is not None:
            _copy_results(scan, reused)
            return None
        return scan_serialize(scan_execute(plan, trigger=scan.trigger, actor=scan.actor, scan=scan))
    except Exception as exc:
        SecurityScan.objects.filter(pk=scan_id).update(
            status=ScanStatus.FAILED,
            completed_at=timezone.now(),
            errors=[{"scanner": "", "status": "error", "reason": str(exc)[:REASON_LIMIT]}],
        )
        logger.exception("security scan %s failed", scan_id)
        return None


def _copy_results(scan: SecurityScan, reused: SecurityScan) -> None:
    """Complete a pre-scan whose files were scanned already with that scan's results: its
    heads count as scanned (no event: nothing new was seen)."""
    for name in ("scanners", "errors", "total_findings", "severity_counts", "fingerprints"):
        setattr(scan, name, getattr(reused, name))
    scan.status, scan.duration_ms = ScanStatus.COMPLETED, 0
    scan.completed_at = timezone.now()
    scan.save()


def _plan_of_repository(scan: SecurityScan) -> ScanPlan:
    """A queued target scan is planned again in its own repository (not the worker's cwd)."""
    repository = scan.repository
    git = git_for(repository)
    head = git.head(scan.ref or repository.default_branch)
    if head is None:
        raise InvalidInput(f"the target branch {scan.ref} has no commit", field="target")
    tree_sha = git.tree_of(head)
    return ScanPlan(
        repository=repository,
        intent=None,
        tenant_id=scan.tenant_id,
        scope=scan.scope,
        path=scan.path,
        ref=scan.ref,
        source_sha="",
        target_sha=head,
        tree_sha=tree_sha,
        blobs=git.tree_blobs(tree_sha, [scan.path] if scan.path else []),
        identity=scanners_identity(configured_scanners()),
    )


def finding_dismiss(
    *, finding_id: str, reason: str, actor: str, tenant_id: str | None = None
) -> SecurityFinding:
    """Dismiss an open finding with a reason (recorded as ``security.finding.dismissed``); it
    stays dismissed when later scans see it again."""
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("reason is required to dismiss a finding", field="reason")
    if len(text) > REASON_LIMIT:
        raise InvalidInput(f"reason is longer than {REASON_LIMIT} characters", field="reason")
    finding = finding_get(finding_id, tenant_id=tenant_id)
    with transaction.atomic():
        now = timezone.now()
        changed = (
            SecurityFinding.objects.filter(pk=finding.pk)
            .exclude(status=FindingStatus.DISMISSED)
            .update(
                status=FindingStatus.DISMISSED,
                dismissed_by=actor,
                dismissed_reason=text,
                dismissed_at=now,
            )
        )
        if not changed:
            raise Conflict(f"Finding {finding_id} is already dismissed", finding_id=finding_id)
        finding.refresh_from_db()
        event_append(
            event_type="security.finding.dismissed",
            intent_id=finding.intent_id,
            tenant_id=finding.tenant_id,
            agent_id=actor,
            payload={
                "finding_id": finding.id,
                "fingerprint": finding.fingerprint,
                "scanner": finding.scanner,
                "rule": finding.rule,
                "severity": finding.severity,
                "file": finding.file,
                "line": finding.line,
                "reason": text,
                "actor": actor,
            },
        )
    return finding


def prescan_dispatch(*, limit: int | None = None) -> list[str]:
    """Queue a pre-scan of each active intent with no scan of its current source and target
    heads yet (new and updated intents), at most ``limit`` (the worker's batch size) per
    tick: the gate then finds its scan ready. An intent that cannot be planned (a branch
    gone) is left to its validation, which reports it; the others go on."""
    limit = limit or settings.CONVERGE_WORKER_BATCH_SIZE
    queued: list[str] = []
    identity = scanners_identity(configured_scanners())
    intents = Intent.objects.select_related("repository").filter(status__in=ACTIVE)
    for intent in intents.order_by("priority", "created_at").iterator():
        if len(queued) >= limit:
            break
        try:
            source_sha, target_sha = git_for(intent.repository).resolve(
                intent.source, intent.target
            )
            seen = SecurityScan.objects.filter(
                scope=intent_scope(intent.id), source_sha=source_sha, target_sha=target_sha
            ).exclude(status=ScanStatus.FAILED)
            if any(_same_scanners(scan, identity) for scan in seen.only("identity", "status")[:5]):
                continue
            with transaction.atomic():
                scan = scan_queue(intent_id=intent.id, actor="system", trigger=ScanTrigger.PRESCAN)
        except ConvergeError:
            logger.warning("no pre-scan of %s: its refs cannot be scanned", intent.id)
            continue
        queued.append(scan.id)
    return queued


def _same_scanners(scan: SecurityScan, identity: str) -> bool:
    """A queued or running scan counts (it runs with the scanners of now); a finished one only
    if it was made with the same scanners."""
    return scan.status in (ScanStatus.QUEUED, ScanStatus.RUNNING) or scan.identity == identity
