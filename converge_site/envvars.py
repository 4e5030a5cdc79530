"""The one registry of environment variables Converge reads.

``settings/base.py`` reads every variable through :func:`value`, and ``.env.example`` is
generated from this table (``make env-example``), with a test that they match.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class EnvVar:
    name: str
    default: str
    description: str
    example: str | None = None  # the harmless development value written to .env.example
    secret: bool = False


REGISTRY: tuple[EnvVar, ...] = (
    EnvVar(
        "DJANGO_SECRET_KEY",
        "",
        "Django secret key; generated into $CONVERGE_HOME/secret_key "
        "when unset (also accepted from DJANGO_SECRET_KEY_FILE)",
        example="",
        secret=True,
    ),
    EnvVar("DJANGO_DEBUG", "0", "Django debug mode (never in production)"),
    EnvVar("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]", "Host names the server answers"),
    EnvVar(
        "CONVERGE_HOME",
        ".converge",
        "Data directory: state.db, flags.json, policy.json, the embedded broker",
    ),
    EnvVar("CONVERGE_DB_BACKEND", "sqlite", "Storage backend: sqlite or postgres"),
    EnvVar(
        "CONVERGE_DB_PATH",
        "",
        "SQLite database file (default $CONVERGE_HOME/state.db; the CLI's --db overrides it)",
    ),
    EnvVar(
        "CONVERGE_PG_DSN",
        "",
        "PostgreSQL DSN (URL or key=value), required for postgres",
        example="postgresql://postgres@127.0.0.1:5432/converge",
    ),
    EnvVar(
        "CONVERGE_REPO_PATH",
        "",
        "Git repository intents are created in (default: the repository of the current directory)",
    ),
    EnvVar(
        "CONVERGE_POLICY_PATH",
        "",
        "policy.json to use (default $CONVERGE_HOME/policy.json, "
        "then ./policy.json, then the built-in defaults)",
    ),
    EnvVar("CONVERGE_CHECK_TIMEOUT", "300", "Seconds a check command may run"),
    EnvVar("CONVERGE_CHECK_OUTPUT_LIMIT", "2000", "Characters of check output kept (the tail)"),
    EnvVar("CONVERGE_GIT_COMMITTER_NAME", "Converge", "Committer name of merge commits"),
    EnvVar(
        "CONVERGE_GIT_COMMITTER_EMAIL", "converge@localhost", "Committer e-mail of merge commits"
    ),
    EnvVar("CONVERGE_MAX_RETRIES", "", "Failures before the queue rejects an intent (default: "
           "queue.max_retries of policy.json, else 3)"),
    EnvVar("CONVERGE_QUEUE_LOCK_TTL", "300", "Seconds a queue lock lives unless its holder "
           "renews it"),
    EnvVar("CONVERGE_ACTOR", "system", "Actor recorded for CLI actions (--actor sets it)"),
    EnvVar("CONVERGE_LOG_LEVEL", "INFO", "Log level of the JSON logs on stderr"),
    EnvVar("CONVERGE_TRACE_ID", "", "Pins every generated trace id (tests, replays)"),
)

BY_NAME: dict[str, EnvVar] = {var.name: var for var in REGISTRY}


def value(name: str) -> str:
    """The variable's value from the environment, or its registered default."""
    return os.environ.get(name, BY_NAME[name].default)


def render_env_example() -> str:
    """The text of ``.env.example``: every variable with a harmless development value."""
    lines = [
        "# Every environment variable Converge reads, with harmless development values.",
        "# Generated from converge_site/envvars.py by `make env-example`; do not edit by hand.",
    ]
    for var in REGISTRY:
        lines.append("")
        lines.append(f"# {var.description}")
        example = var.default if var.example is None else var.example
        lines.append(f"{var.name}={example}")
    return "\n".join(lines) + "\n"
