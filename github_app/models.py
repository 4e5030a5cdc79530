"""Installations, repositories, webhook deliveries and the check-runs Converge publishes."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from github_app.choices import DeliveryStatus, PublishStatus


class Installation(models.Model):
    """An installation of the GitHub App; its tenant comes from the settings."""

    installation_id = models.PositiveBigIntegerField(unique=True)
    account = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["installation_id"]

    def __str__(self) -> str:
        return f"installation {self.installation_id} ({self.account or 'unknown account'})"


class GithubRepository(models.Model):
    """A GitHub repository and the bare mirror (an intents ``Repository``) validation reads."""

    repository = models.OneToOneField(
        "intents.Repository", on_delete=models.CASCADE, related_name="github"
    )
    full_name = models.CharField(max_length=201, unique=True)
    installation_id = models.PositiveBigIntegerField(null=True, blank=True)
    clone_url = models.CharField(max_length=1024)
    default_branch = models.CharField(max_length=255, default="main")
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["full_name"]
        verbose_name_plural = "GitHub repositories"

    def __str__(self) -> str:
        return self.full_name


class WebhookDelivery(models.Model):
    """One accepted webhook delivery, unique by ``X-GitHub-Delivery``.

    Inserted by the webhook with the payload; the worker does its work and marks it
    ``completed`` in the transaction of the intent changes, so a redelivery of a completed one
    changes nothing while one whose work was lost is processed again (by the redelivery or by
    the ``github-sweep``).
    """

    delivery_id = models.CharField(max_length=100, unique=True)
    event = models.CharField(max_length=100)
    action = models.CharField(max_length=100, blank=True)
    installation_id = models.PositiveBigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True, default="")
    received_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            # the sweep: deliveries not completed, oldest first
            models.Index(fields=["status", "received_at"], name="github_delivery_open_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="github_delivery_status_valid"
            ),
        ]

    def __str__(self) -> str:
        action = f".{self.action}" if self.action else ""
        return f"{self.delivery_id} {self.event}{action} ({self.status})"


class CheckRun(models.Model):
    """The one check-run of a head SHA: the decision to show (the outbox) and what GitHub has.

    A decision sets ``decision`` and ``status=pending``; the publish task renders and sends it
    (create, then updates of the same ``check_run_id``), skipping an update whose content is
    already shown (``published_digest``). A failed publish is retried at ``retry_at``.
    """

    full_name = models.CharField(max_length=201)
    head_sha = models.CharField(max_length=40)
    name = models.CharField(max_length=100)
    intent_id = models.CharField(max_length=200)
    installation_id = models.PositiveBigIntegerField(null=True, blank=True)
    decision = models.CharField(max_length=40)
    reason = models.TextField(blank=True, default="")
    trace_id = models.CharField(max_length=100, blank=True, default="")
    check_run_id = models.PositiveBigIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=PublishStatus.choices, default=PublishStatus.PENDING
    )
    published_digest = models.CharField(max_length=64, blank=True, default="")
    published_decision = models.CharField(max_length=40, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    retry_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["full_name", "head_sha", "name"], name="github_checkrun_one_per_head"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PublishStatus.values), name="github_checkrun_status_valid"
            ),
        ]
        indexes = [
            # the sweep: publications still due
            models.Index(fields=["status", "retry_at"], name="github_checkrun_due_idx"),
            # check_run / check_suite rerequested: the intent of a head SHA
            models.Index(fields=["head_sha"], name="github_checkrun_sha_idx"),
            # a new head supersedes the intent's earlier check-runs
            models.Index(fields=["intent_id"], name="github_checkrun_intent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} on {self.full_name}@{self.head_sha[:12]}: {self.decision}"
