"""Enumerations of the access domain."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"


class KeySource(models.TextChoices):
    ENV = "env"  # seeded from CONVERGE_API_KEYS
    ROTATION = "rotation"  # issued by POST P/auth/keys/rotate


# viewer < operator < admin; an unknown role ranks below viewer and is always refused.
ROLE_RANK: dict[str, int] = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}
