"""Configuration system checks with stable ids."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

from converge_core.errors import InvalidInput
from converge_core.flags import FLAGS, env_names, validate_mode
from converge_core.strictbool import parse_bool


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
    problems = []
    for spec in FLAGS.values():
        enabled_var, mode_var = env_names(spec.name)
        try:
            if enabled_var in os.environ:
                parse_bool(os.environ[enabled_var], enabled_var)
            if mode_var in os.environ:
                validate_mode(spec, os.environ[mode_var].strip(), mode_var)
        except InvalidInput as exc:
            problems.append(
                Error(exc.message, hint="Fix or unset the variable.", id="converge.E001")
            )
    return problems
