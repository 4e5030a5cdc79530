"""Security scans of merged trees and the findings they report."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from security.choices import Category, Confidence, FindingStatus, ScanStatus, ScanTrigger, Severity


class SecurityScan(models.Model):
    """One run of the scanners over some files of one tree (an intent's merged tree, or the
    head of a target branch), with each scanner's status, duration and errors.

    ``scan_key`` names what the scanners saw (each scanned file's path, mode and blob id, and
    the scanner versions and configuration): a validation or a pre-scan reuses a completed
    scan of the same key, whatever tree it was read from. ``fingerprints`` are
    the findings it saw, so the gate counts exactly those.
    """

    id = models.CharField(max_length=16, primary_key=True)
    repository = models.ForeignKey(
        "intents.Repository", on_delete=models.CASCADE, related_name="security_scans"
    )
    intent = models.ForeignKey(
        "intents.Intent",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="security_scans",
    )
    tenant_id = models.CharField(max_length=200, null=True, blank=True)
    scope = models.CharField(max_length=300)
    trigger = models.CharField(max_length=16, choices=ScanTrigger.choices)
    actor = models.CharField(max_length=200)
    path = models.CharField(max_length=1000, blank=True, default="")
    ref = models.CharField(max_length=300, blank=True, default="")
    source_sha = models.CharField(max_length=64, blank=True, default="")
    target_sha = models.CharField(max_length=64, blank=True, default="")
    tree_sha = models.CharField(max_length=64, blank=True, default="")
    scan_key = models.CharField(max_length=64, blank=True, default="")
    identity = models.CharField(max_length=64, blank=True, default="")  # scanners and versions
    files_scanned = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=ScanStatus.choices, default=ScanStatus.QUEUED)
    scanners = models.JSONField(default=list, blank=True)
    total_findings = models.PositiveIntegerField(default=0)
    severity_counts = models.JSONField(default=dict, blank=True)
    fingerprints = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["intent", "status", "created_at"], name="scan_intent_idx"),
            models.Index(fields=["scan_key", "status"], name="scan_key_idx"),
            models.Index(fields=["tenant_id", "created_at"], name="scan_tenant_idx"),
            models.Index(fields=["created_at"], name="scan_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ScanStatus.values), name="scan_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(trigger__in=ScanTrigger.values), name="scan_trigger_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.scope}, {self.status})"


class SecurityFinding(models.Model):
    """One finding of a scope (an intent, or a target branch), the same across scans: a rescan
    that sees its fingerprint again updates it, one that does not marks it ``fixed``.

    ``message`` is redacted: a secret is kept as its rule and a short hash only.
    """

    id = models.CharField(max_length=16, primary_key=True)
    scope = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64)
    repository = models.ForeignKey(
        "intents.Repository", on_delete=models.CASCADE, related_name="security_findings"
    )
    intent = models.ForeignKey(
        "intents.Intent",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="security_findings",
    )
    tenant_id = models.CharField(max_length=200, null=True, blank=True)
    scan = models.ForeignKey(SecurityScan, on_delete=models.PROTECT, related_name="findings")
    source_sha = models.CharField(max_length=64, blank=True, default="")
    scanner = models.CharField(max_length=100)
    category = models.CharField(max_length=16, choices=Category.choices)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    confidence = models.CharField(
        max_length=16, choices=Confidence.choices, default=Confidence.MEDIUM
    )
    rule = models.CharField(max_length=200, blank=True, default="")
    file = models.CharField(max_length=1000, blank=True, default="")
    line = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, default="")
    status = models.CharField(
        max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    dismissed_by = models.CharField(max_length=200, blank=True, default="")
    dismissed_reason = models.TextField(blank=True, default="")
    dismissed_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        permissions = [("dismiss_finding", "Can dismiss security findings")]
        indexes = [
            models.Index(fields=["intent", "status"], name="finding_intent_idx"),
            models.Index(fields=["severity", "status"], name="finding_severity_idx"),
            models.Index(fields=["scanner"], name="finding_scanner_idx"),
            models.Index(fields=["tenant_id", "severity"], name="finding_tenant_idx"),
            models.Index(fields=["scan"], name="finding_scan_idx"),
            models.Index(fields=["last_seen_at", "id"], name="finding_last_seen_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["scope", "fingerprint"], name="finding_scope_unique"),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="finding_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=Category.values), name="finding_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=FindingStatus.values), name="finding_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=FindingStatus.DISMISSED) | ~Q(dismissed_reason=""),
                name="finding_dismissal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.severity} {self.rule} {self.file}:{self.line})"
