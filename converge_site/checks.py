"""Configuration system checks with stable ids."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

from converge_core.flags import environment_problems


@register()
def check_secret_key(app_configs: Any, **kwargs: Any) -> list[Any]:
    if getattr(settings, "SECRET_KEY_GENERATED", False) and not settings.DEBUG:
        return [
            Warning(
                "DJANGO_SECRET_KEY is not set; using the key generated in $CONVERGE_HOME.",
                hint="Set DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) in production.",
                id="converge.W001",
            )
        ]
    return []


@register()
def check_flag_environment(app_configs: Any, **kwargs: Any) -> list[Any]:
    return [
        Error(message, hint="Fix or unset the variable.", id="converge.E001")
        for message in environment_problems(os.environ)
    ]
