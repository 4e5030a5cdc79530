"""Strict parsing of environment values used by the settings.

Booleans go through :func:`converge_core.strictbool.parse_bool` (never ``env.bool``, which
reads unknown words as false); DSNs through psycopg's own conninfo parser, so a URL and a
libpq ``key=value`` string are both accepted and a malformed one fails at start-up.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from converge_core.errors import InvalidInput
from converge_core.strictbool import parse_bool


def strict_bool(value: str, name: str) -> bool:
    try:
        return parse_bool(value, name)
    except InvalidInput as exc:
        raise ImproperlyConfigured(exc.message) from exc


def strict_int(value: str, name: str, *, minimum: int | None = None) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r} must be >= {minimum}")
    return number


def strict_float(value: str, name: str, *, minimum: float = 0.0) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number") from None
    if not number >= minimum:  # also refuses nan
        raise ImproperlyConfigured(f"{name}={value!r} must be >= {minimum:g}")
    return number


def strict_choice(value: str, name: str, choices: tuple[str, ...]) -> str:
    word = value.strip().lower()
    if word not in choices:
        raise ImproperlyConfigured(f"{name}={value!r}: expected one of {', '.join(choices)}")
    return word


def postgres_settings(dsn: str, name: str = "CONVERGE_PG_DSN") -> dict[str, Any]:
    """Django ``DATABASES`` entry for a PostgreSQL DSN (URL or ``key=value`` form)."""
    from psycopg.conninfo import conninfo_to_dict

    if not dsn.strip():
        raise ImproperlyConfigured(f"{name} is required when CONVERGE_DB_BACKEND=postgres")
    try:
        params = conninfo_to_dict(dsn)
    except Exception as exc:  # psycopg raises ProgrammingError with libpq's text
        raise ImproperlyConfigured(f"{name} is not a valid PostgreSQL DSN: {exc}") from None
    params = {key: str(value) for key, value in params.items()}
    database = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": params.pop("dbname", "converge"),
        "USER": params.pop("user", ""),
        "PASSWORD": params.pop("password", ""),
        "HOST": params.pop("host", ""),
        "PORT": params.pop("port", ""),
        "OPTIONS": params,
    }
    return database


def cache_settings(url: str, name: str = "CONVERGE_CACHE_URL") -> dict[str, Any]:
    """Django ``CACHES`` entry for a cache URL (``redis://``, ``rediss://``, ``dbcache://`` …),
    parsed by django-environ so every scheme it knows is accepted."""
    import environ

    try:
        config: dict[str, Any] = environ.Env.cache_url_config(url.strip())
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(f"{name}={url!r}: {exc}") from None
    return {**config, "KEY_PREFIX": "converge"}
