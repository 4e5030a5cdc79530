"""API keys: only a keyed hash of each key is stored, never the key itself."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone

from access.choices import KeySource, Role


class ApiKey(models.Model):
    """A credential for the HTTP API, bound to a role, an actor and optionally a tenant.

    ``key_hash`` is HMAC-SHA256 of the key under the server secret; ``key_prefix`` (the first
    four characters) identifies a key in the console and the logs without revealing it. A key
    with ``expires_at`` set was rotated (or is otherwise on its way out): it keeps working
    until then but can no longer rotate.
    """

    key_hash = models.CharField(max_length=64, unique=True)
    key_prefix = models.CharField(max_length=4)
    role = models.CharField(max_length=16, choices=Role.choices)
    actor = models.CharField(max_length=200)
    tenant = models.CharField(max_length=200, null=True, blank=True)
    # null: every scope the role allows; otherwise exact scopes, "resource.*" or "*"
    scopes = models.JSONField(null=True, blank=True)
    source = models.CharField(max_length=16, choices=KeySource.choices)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    rotated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "security_apikey"
        ordering = ["-created_at"]
        verbose_name = "API key"
        # the console's one action on keys (a key is never edited or deleted)
        permissions = [("revoke_apikey", "Can revoke API keys")]
        indexes = [
            # authentication: candidates sharing the presented key's prefix
            models.Index(fields=["key_prefix"], name="apikey_prefix_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="apikey_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.role} {self.actor})"

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
