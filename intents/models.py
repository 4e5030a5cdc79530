"""Repositories, intents and what the pipeline stores about them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from intents.choices import CheckRunState, CommitRole, IntentStatus, OriginType, RiskLevel


class Repository(models.Model):
    """A git repository intents merge into: a work tree or a bare mirror."""

    name = models.CharField(max_length=200, unique=True)
    path = models.CharField(max_length=1024, unique=True)
    default_branch = models.CharField(max_length=255, default="main")
    is_bare = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "repositories"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Intent(models.Model):
    """One proposed merge of ``source`` into ``target``: the materialised view of its events."""

    id = models.CharField(max_length=200, primary_key=True)
    repository = models.ForeignKey(Repository, on_delete=models.PROTECT, related_name="intents")
    source = models.CharField(max_length=255)
    target = models.CharField(max_length=255, default="main")
    status = models.CharField(
        max_length=16, choices=IntentStatus.choices, default=IntentStatus.READY
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=200, default="system")
    risk_level = models.CharField(
        max_length=16, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    declared_risk_level = models.CharField(
        max_length=16, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    priority = models.PositiveSmallIntegerField(default=3)
    semantic = models.JSONField(default=dict, blank=True)
    technical = models.JSONField(default=dict, blank=True)
    checks_required = models.JSONField(default=list, blank=True)
    dependencies = models.JSONField(default=list, blank=True)
    retries = models.PositiveIntegerField(default=0)
    tenant_id = models.CharField(max_length=200, null=True, blank=True)
    plan_id = models.CharField(max_length=200, null=True, blank=True)
    origin_type = models.CharField(
        max_length=16, choices=OriginType.choices, default=OriginType.HUMAN
    )
    updated_at = models.DateTimeField(auto_now=True)
    claimed_by = models.CharField(max_length=300, null=True, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    unverified_checks = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["priority", "created_at"]
        permissions = [
            (
                "operate_queue",
                "Can operate the queue: validate, requeue, reprioritise, reject, release locks",
            )
        ]
        indexes = [
            # status filters of lists, inspect and the queue-depth metric
            models.Index(fields=["status"], name="intent_status_idx"),
            # tenant-scoped lists
            models.Index(fields=["tenant_id"], name="intent_tenant_idx"),
            # a page of the list in queue order reads that page of the index, not the table
            models.Index(fields=["priority", "created_at"], name="intent_list_order_idx"),
            models.Index(
                fields=["tenant_id", "priority", "created_at"], name="intent_tenant_order_idx"
            ),
            # push handling: active intents of a source branch
            models.Index(fields=["status", "source"], name="intent_status_source_idx"),
            # plan views
            models.Index(fields=["plan_id"], name="intent_plan_idx"),
            # origin reports
            models.Index(fields=["origin_type"], name="intent_origin_idx"),
            # the queue: candidates of one (repository, target) in priority order
            models.Index(
                fields=["repository", "target", "status", "priority", "created_at"],
                name="intent_queue_order_idx",
            ),
            # the console's list: every status, grouped by repository and target, in turn
            models.Index(
                fields=["repository", "target", "priority", "created_at", "id"],
                name="intent_console_order_idx",
            ),
            # the console's target filter lists the targets from this index
            models.Index(fields=["target"], name="intent_target_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(priority__gte=1) & Q(priority__lte=5), name="intent_priority_1_5"
            ),
            models.CheckConstraint(
                condition=Q(status__in=IntentStatus.values), name="intent_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(risk_level__in=RiskLevel.values), name="intent_risk_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(origin_type__in=OriginType.values), name="intent_origin_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.source} -> {self.target}, {self.status})"


class CommitLink(models.Model):
    """A commit observed for an intent: its head, the base it was validated on, its merge."""

    intent = models.ForeignKey(Intent, on_delete=models.CASCADE, related_name="commit_links")
    repo = models.CharField(max_length=300)
    sha = models.CharField(max_length=64)
    role = models.CharField(max_length=8, choices=CommitRole.choices)
    observed_at = models.DateTimeField()

    class Meta:
        ordering = ["observed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["intent", "sha", "role"], name="commitlink_unique_intent_sha_role"
            )
        ]
        indexes = [
            # "which intent owns this commit"
            models.Index(fields=["sha"], name="commitlink_sha"),
        ]

    def __str__(self) -> str:
        return f"{self.intent_id} {self.role} {self.sha[:12]}"


class TenantRiskPolicy(models.Model):
    """A tenant's risk-gate limits and mode; replaced wholesale on every write."""

    tenant_id = models.CharField(max_length=200, unique=True)
    data = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=200, default="system")

    class Meta:
        ordering = ["tenant_id"]
        verbose_name_plural = "tenant risk policies"

    def __str__(self) -> str:
        return f"risk policy of {self.tenant_id} (v{self.version})"


class QueueLock(models.Model):
    """Mutual exclusion of queue runs per (repository, target), across processes and hosts.

    Claimed by insert or by a compare-and-swap takeover once expired; the holder
    (``host:pid:token``) renews ``expires_at`` between intents and releases only its own row.
    """

    name = models.CharField(max_length=600, primary_key=True)
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="locks")
    target = models.CharField(max_length=255)
    holder = models.CharField(max_length=300)
    acquired_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder}"


class ArchaeologySnapshot(models.Model):
    """A stored history report of a repository; validation reads coupling from the latest
    valid one and never runs ``git log`` itself."""

    repository = models.ForeignKey(
        Repository, on_delete=models.CASCADE, related_name="archaeology_snapshots"
    )
    created_at = models.DateTimeField()
    commits_analyzed = models.PositiveIntegerField()
    is_valid = models.BooleanField()
    issues = models.JSONField(default=list)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # "the latest valid snapshot of a repository"
            models.Index(
                fields=["repository", "is_valid", "-created_at"], name="archaeology_latest_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"history of {self.repository} at {self.created_at:%Y-%m-%d %H:%M}"


class IntentDecision(models.Model):
    """The last validation decision of an intent and the fingerprint of its inputs.

    The queue revalidates every poll interval; while the fingerprint of the inputs (SHAs,
    the intent's fields, policy, flags, archaeology snapshot, review state) is unchanged it
    reuses ``decision`` and writes nothing (decisions §39). ``inputs`` are the fingerprint's
    parts, so the next decision can say what changed. ``checked_at`` is the last time a
    validation made or confirmed this decision: the first validation of READY intents skips
    those checked since they last changed.
    """

    intent = models.OneToOneField(
        Intent, on_delete=models.CASCADE, primary_key=True, related_name="last_decision"
    )
    fingerprint = models.CharField(max_length=64, blank=True)  # blank: inputs unknown
    inputs = models.JSONField(default=dict)
    decision = models.JSONField(default=dict)
    trace_id = models.CharField(max_length=100)
    decided_at = models.DateTimeField()
    checked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.intent_id}: {self.decision.get('decision')} ({self.fingerprint[:12]})"


class WorkerHeartbeat(models.Model):
    """The latest state of one worker, refreshed in place by its heartbeat task.

    Heartbeats, idle cycles and counters are polls, not decisions: they live here and never
    in the event log. ``converge doctor`` and the operator console read this table; only a
    worker's start and stop are events.
    """

    node = models.CharField(max_length=300, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    cycles = models.PositiveBigIntegerField(default=0)
    idle_cycles = models.PositiveBigIntegerField(default=0)
    total_processed = models.PositiveBigIntegerField(default=0)
    queue_depth = models.PositiveIntegerField(default=0)
    uptime_seconds = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"worker {self.node}"


class ProcessingFailure(models.Model):
    """An intent the worker set aside after an unexpected error while processing it.

    The back-off is in force until ``retry_at``, and only while the intent and its target are as
    they were when it failed (``intent_updated_at``, ``target_sha``): a change clears it. A
    success or ``queue reset`` deletes the row; ``failures`` counts the consecutive failures
    that doubled the back-off.
    """

    intent = models.OneToOneField(
        Intent, on_delete=models.CASCADE, primary_key=True, related_name="processing_failure"
    )
    stage = models.CharField(max_length=32)
    error_class = models.CharField(max_length=200)
    message = models.TextField()
    failures = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    retry_at = models.DateTimeField()
    intent_updated_at = models.DateTimeField()
    target_sha = models.CharField(max_length=64, blank=True)  # "" when it could not be read

    class Meta:
        ordering = ["retry_at"]

    def __str__(self) -> str:
        return f"{self.intent_id} set aside after {self.error_class} until {self.retry_at}"


class QueueControl(models.Model):
    """The merge queue of one (repository, target): its batch window and an operator's pause.

    A paused queue keeps validating but merges nothing until ``queue resume``; the window is
    the size of the next batch, adapted after every batch tested.
    """

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="queues")
    target = models.CharField(max_length=255)
    window = models.PositiveSmallIntegerField(null=True, blank=True)  # None: the policy's size
    paused = models.BooleanField(default=False)
    pause_reason = models.TextField(blank=True)
    paused_by = models.CharField(max_length=200, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["repository", "target"]
        constraints = [
            models.UniqueConstraint(fields=["repository", "target"], name="queue_control_unique")
        ]

    def __str__(self) -> str:
        state = "paused" if self.paused else "running"
        return f"{self.repository_id}:{self.target} ({state})"


class QueueJump(models.Model):
    """An intent an operator put at the head of its queue (``queue jump``): tested alone,
    ahead of every batch; the row goes when the intent leaves the queue."""

    intent = models.OneToOneField(
        Intent, on_delete=models.CASCADE, primary_key=True, related_name="queue_jump"
    )
    reason = models.TextField()
    actor = models.CharField(max_length=200)
    jumped_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["jumped_at"]

    def __str__(self) -> str:
        return f"{self.intent_id} jumped by {self.actor}"


class CheckRun(models.Model):
    """One run of one check on one tree, done by whichever queue runner or worker claims it.

    The queue creates the rows of a tree's checks, offers them to the workers as tasks and
    runs any still pending itself; ``attempt`` counts the re-runs of a failed check on the same
    tree (``checks.flaky_retries``).
    """

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="+")
    tree_sha = models.CharField(max_length=64)
    check_type = models.CharField(max_length=200)
    attempt = models.PositiveSmallIntegerField(default=1)
    command = models.JSONField(default=list)
    state = models.CharField(
        max_length=16, choices=CheckRunState.choices, default=CheckRunState.PENDING
    )
    details = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    exit_code = models.IntegerField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["repository", "tree_sha", "check_type", "attempt"],
                name="check_run_unique_attempt",
            )
        ]
        indexes = [
            # pruning and "what is still pending": runs by state and age
            models.Index(fields=["state", "created_at"], name="check_run_state_age"),
        ]

    def __str__(self) -> str:
        return f"{self.check_type} on {self.tree_sha[:12]} #{self.attempt}: {self.state}"
