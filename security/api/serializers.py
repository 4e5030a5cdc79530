"""Request bodies and response shapes of the security API.

Responses are rendered by :mod:`security.serialization` (shared with the CLI and the event
payloads); these serializers describe them for the OpenAPI schema.
"""

from __future__ import annotations

from rest_framework import serializers

from security.choices import Category, Confidence, FindingStatus, ScanStatus, ScanTrigger, Severity


class ScanRequestSerializer(serializers.Serializer):
    """``POST P/security/scan``."""

    intent_id = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=200,
        help_text="scan the files this intent changes, in its merged tree (default: the "
        "target branch head of the repository)",
    )
    path = serializers.CharField(
        required=False,
        default=".",
        max_length=1000,
        help_text="a path inside the repository's tree (`.`: all of it); never outside it",
    )
    tenant_id = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=200
    )


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="why the finding is dismissed")


class ScannerRunSerializer(serializers.Serializer):
    scanner = serializers.CharField()
    version = serializers.CharField()
    status = serializers.ChoiceField(choices=["completed", "skipped", "unavailable", "error"])
    findings = serializers.IntegerField()
    duration_ms = serializers.IntegerField()
    reason = serializers.CharField(required=False)
    details = serializers.DictField(required=False)


class ScanErrorSerializer(serializers.Serializer):
    scanner = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField()


class ScanSerializer(serializers.Serializer):
    scan_id = serializers.CharField()
    status = serializers.ChoiceField(choices=ScanStatus.choices)
    intent_id = serializers.CharField(allow_null=True)
    tenant_id = serializers.CharField(allow_null=True)
    trigger = serializers.ChoiceField(choices=ScanTrigger.choices)
    actor = serializers.CharField()
    path = serializers.CharField(allow_blank=True)
    ref = serializers.CharField(allow_blank=True)
    source_sha = serializers.CharField(allow_null=True)
    target_sha = serializers.CharField(allow_null=True)
    tree_sha = serializers.CharField(allow_null=True)
    files_scanned = serializers.IntegerField()
    total_findings = serializers.IntegerField()
    severity_counts = serializers.DictField(child=serializers.IntegerField())
    scanners = ScannerRunSerializer(many=True)
    scanner_errors = ScanErrorSerializer(
        many=True, help_text="the scanners that were unavailable or failed, and why"
    )
    duration_ms = serializers.IntegerField()
    reused = serializers.BooleanField()
    timestamp = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)


class ScanListSerializer(serializers.Serializer):
    scans = ScanSerializer(many=True)
    total = serializers.IntegerField(help_text="the number of scans returned")


class FindingSerializer(serializers.Serializer):
    id = serializers.CharField()
    scanner = serializers.CharField()
    category = serializers.ChoiceField(choices=Category.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    confidence = serializers.ChoiceField(choices=Confidence.choices)
    rule = serializers.CharField(allow_blank=True)
    file = serializers.CharField(allow_blank=True)
    line = serializers.IntegerField()
    message = serializers.CharField(allow_blank=True, help_text="redacted: never a secret")
    fingerprint = serializers.CharField()
    status = serializers.ChoiceField(choices=FindingStatus.choices)
    intent_id = serializers.CharField(allow_null=True)
    tenant_id = serializers.CharField(allow_null=True)
    scan_id = serializers.CharField()
    source_sha = serializers.CharField(allow_blank=True)
    dismissed_by = serializers.CharField(allow_null=True)
    dismissed_reason = serializers.CharField(allow_null=True)
    dismissed_at = serializers.DateTimeField(allow_null=True)
    first_seen_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()


class FindingListSerializer(serializers.Serializer):
    findings = FindingSerializer(many=True)
    total = serializers.IntegerField(help_text="the number of findings returned")


class FindingCountsSerializer(serializers.Serializer):
    """Open findings per severity (only the severities present) and their total."""

    critical = serializers.IntegerField(required=False)
    high = serializers.IntegerField(required=False)
    medium = serializers.IntegerField(required=False)
    low = serializers.IntegerField(required=False)
    info = serializers.IntegerField(required=False)
    total = serializers.IntegerField()


class SecuritySummarySerializer(serializers.Serializer):
    finding_counts = FindingCountsSerializer()
    recent_scans = ScanSerializer(many=True, help_text="the five latest completed scans")
