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
    EnvVar(
        "CONVERGE_SECURITY_SCANNERS",
        "bandit,detect-secrets,pip-audit",
        "Scanners a security scan runs, comma-separated (built-in ones and the names of "
        "CONVERGE_SECURITY_SHELL_SCANNERS)",
    ),
    EnvVar("CONVERGE_SECURITY_TIMEOUT", "120", "Seconds each security scanner may run"),
    EnvVar(
        "CONVERGE_SECURITY_PIP_AUDIT_SERVICE",
        "pypi",
        "Vulnerability service pip-audit asks: pypi or osv",
    ),
    EnvVar(
        "CONVERGE_SECURITY_OSV_URL",
        "",
        "OSV query URL for pip-audit with the osv service (default: pip-audit's, api.osv.dev)",
    ),
    EnvVar(
        "CONVERGE_SECURITY_SHELL_SCANNERS",
        "",
        'Extra scanners emitting SARIF or JSON, as a JSON list of {"name", "argv", "format": '
        '"sarif"|"json", "category"}; {path} and {files} in argv are the scanned directory and '
        "files (run without a shell; trusted configuration only)",
    ),
    EnvVar("CONVERGE_QUESTION_TIMEOUT", "60", "Seconds a coherence question's check may run"),
    EnvVar("CONVERGE_GIT_COMMITTER_NAME", "Converge", "Committer name of merge commits"),
    EnvVar(
        "CONVERGE_GIT_COMMITTER_EMAIL", "converge@localhost", "Committer e-mail of merge commits"
    ),
    EnvVar(
        "CONVERGE_MAX_RETRIES",
        "",
        "Failures before the queue rejects an intent (default: "
        "queue.max_retries of policy.json, else 3)",
    ),
    EnvVar(
        "CONVERGE_QUEUE_LOCK_TTL", "300", "Seconds a queue lock lives unless its holder renews it"
    ),
    EnvVar(
        "CONVERGE_BROKER_URL",
        "",
        "Celery broker, Redis in production (redis://127.0.0.1:6379/0); unset: the embedded "
        "broker under $CONVERGE_HOME/broker (one machine, no service)",
    ),
    EnvVar(
        "CONVERGE_BROKER_KEY_PREFIX",
        "",
        "Prefix of every broker key in Redis (deployments or test runs sharing one Redis)",
    ),
    EnvVar(
        "CONVERGE_WORKER_POLL_INTERVAL",
        "5",
        "Seconds between two worker cycles: first validation of READY intents, queue runs",
    ),
    EnvVar(
        "CONVERGE_WORKER_BATCH_SIZE",
        "20",
        "Intents one queue run revalidates, merges or rejects; READY intents validated per cycle",
    ),
    EnvVar(
        "CONVERGE_WORKER_MAX_RETRIES",
        "",
        "Failures before the worker rejects an intent (default: CONVERGE_MAX_RETRIES, then "
        "queue.max_retries of policy.json, else 3)",
    ),
    EnvVar(
        "CONVERGE_WORKER_TARGET",
        "main",
        "Target branches the worker processes: one branch, a comma list or *",
    ),
    EnvVar(
        "CONVERGE_WORKER_AUTO_CONFIRM",
        "0",
        "1: the worker merges what it revalidates; 0: it revalidates and queues only",
    ),
    EnvVar(
        "CONVERGE_WORKER_SKIP_CHECKS",
        "0",
        "1: the worker skips the configured checks (validation then counts them unverified)",
    ),
    EnvVar(
        "CONVERGE_WORKER_FRESH_SIMULATION",
        "0",
        "1: the worker always re-simulates; 0: it reuses one while both SHAs are unchanged",
    ),
    EnvVar(
        "CONVERGE_WORKER_HEARTBEAT_CYCLES",
        "10",
        "Worker heartbeat (its row of the worker-state table) every N poll intervals (0: off)",
    ),
    EnvVar(
        "CONVERGE_WORKER_PRUNE_INTERVAL_CYCLES",
        "0",
        "Audit prune every N poll intervals (0, the default: never; see `converge audit prune`)",
    ),
    EnvVar(
        "CONVERGE_WORKER_PRUNE_RETENTION_DAYS",
        "90",
        "Age in days of the events the worker's audit prune removes",
    ),
    EnvVar(
        "CONVERGE_WORKER_CONCURRENCY",
        "2",
        "Tasks one worker runs at once (converge worker --concurrency)",
    ),
    EnvVar(
        "CONVERGE_WORKER_QUEUES",
        "merge,security,default",
        "Queues a worker consumes, comma-separated (converge worker --queues)",
    ),
    EnvVar("CONVERGE_ACTOR", "system", "Actor recorded for CLI actions (--actor sets it)"),
    EnvVar(
        "CONVERGE_LOG_LEVEL",
        "INFO",
        "Log level of the JSON logs on stderr: DEBUG, INFO, WARNING, ERROR or CRITICAL",
    ),
    EnvVar("CONVERGE_TRACE_ID", "", "Pins every generated trace id (tests, replays)"),
    EnvVar(
        "CONVERGE_AUTH_REQUIRED",
        "1",
        "API-key authentication of the HTTP API (0 = every caller is an anonymous admin)",
    ),
    EnvVar(
        "CONVERGE_API_KEYS",
        "",
        "API keys seeded into the database at start-up, comma-separated "
        "key:role:actor[:tenant[:scopes]] with scopes joined by + (insert-only by hash)",
        example="",
        secret=True,
    ),
    EnvVar("CONVERGE_RATE_LIMIT_ENABLED", "1", "Per-tenant rate limiting of the HTTP API"),
    EnvVar("CONVERGE_RATE_LIMIT_RPM", "120", "Requests per minute per tenant, key or client IP"),
    EnvVar(
        "CONVERGE_MAX_BODY_BYTES",
        "1048576",
        "Largest JSON document accepted: API request bodies (413 above it) and the CLI's --file",
    ),
    EnvVar(
        "CONVERGE_CORS_ORIGINS",
        "",
        "Origins allowed to call the API from a browser, comma-separated (default: none)",
    ),
    EnvVar(
        "CONVERGE_CACHE_URL",
        "",
        "URL of the shared cache (rate limits), e.g. redis://host:6379/1; default: database",
        example="",
    ),
    EnvVar(
        "DJANGO_SECURE_HSTS_SECONDS",
        "0",
        "Strict-Transport-Security max-age sent on HTTPS responses (0 = off)",
    ),
    EnvVar(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "",
        "OpenTelemetry collector (OTLP/HTTP); tracing is off when unset",
    ),
    EnvVar(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "",
        "OTLP/HTTP endpoint for traces only (also turns tracing on)",
    ),
    EnvVar(
        "OTEL_SERVICE_NAME",
        "",
        "service.name of the spans (default converge-api)",
    ),
    EnvVar(
        "PROMETHEUS_MULTIPROC_DIR",
        "",
        "Metrics directory shared by the server's worker processes "
        "(converge serve sets $CONVERGE_HOME/prometheus)",
    ),
    EnvVar(
        "CONVERGE_REVIEW_POOL",
        "",
        "Reviewers the review sweep auto-assigns to, comma-separated (unset: no auto-assignment)",
    ),
    EnvVar(
        "CONVERGE_REVIEW_ASSIGN_AFTER_HOURS",
        "4",
        "Hours a review may stay pending before the sweep assigns it",
    ),
    EnvVar(
        "CONVERGE_REVIEW_ESCALATE_AFTER_HOURS",
        "8",
        "Hours a review may stay assigned before the sweep escalates it",
    ),
    EnvVar(
        "CONVERGE_REVIEW_BACKLOG_LIMIT",
        "10",
        "Pending + assigned reviews above which the sweep throttles intake",
    ),
    EnvVar(
        "CONVERGE_WEBHOOK_URL",
        "",
        "Default outbound notification URL (when notifications.json names none)",
    ),
    EnvVar(
        "CONVERGE_WEBHOOK_SECRET",
        "",
        "HMAC secret signing outbound notifications (X-Converge-Signature)",
        example="",
        secret=True,
    ),
    EnvVar("CONVERGE_WEBHOOK_ATTEMPTS", "2", "Delivery attempts per outbound notification"),
    EnvVar("CONVERGE_WEBHOOK_TIMEOUT", "10", "Seconds an outbound notification may take"),
    EnvVar(
        "CONVERGE_LLM_PROVIDER",
        "null",
        "LLM review advisor provider: null, anthropic or openai (needs CONVERGE_LLM_API_KEY)",
    ),
    EnvVar("CONVERGE_LLM_API_KEY", "", "API key of the LLM provider", example="", secret=True),
    EnvVar(
        "CONVERGE_LLM_MODEL",
        "",
        "LLM model (default claude-sonnet-4-20250514 or gpt-4o by provider)",
    ),
    EnvVar("CONVERGE_LLM_RATE_LIMIT", "30", "LLM advisor calls allowed per hour"),
    EnvVar(
        "CONVERGE_GITHUB_WEBHOOK_SECRET",
        "",
        "HMAC secret GitHub signs webhook deliveries with (X-Hub-Signature-256); also read "
        "from CONVERGE_GITHUB_WEBHOOK_SECRET_FILE",
        example="",
        secret=True,
    ),
    EnvVar(
        "CONVERGE_GITHUB_WEBHOOK_ALLOW_UNSIGNED",
        "0",
        "Development only: accept unsigned GitHub deliveries while no webhook secret is set",
    ),
    EnvVar("CONVERGE_WEBHOOK_MAX_BODY_BYTES", "1048576", "Largest GitHub webhook body accepted"),
    EnvVar("CONVERGE_GITHUB_APP_ID", "", "GitHub App id; its presence enables publishing"),
    EnvVar(
        "CONVERGE_GITHUB_APP_PRIVATE_KEY_PATH",
        "",
        "PEM file of the GitHub App's private key (preferred; "
        "/secrets/github-app/private-key.pem in Kubernetes)",
    ),
    EnvVar(
        "CONVERGE_GITHUB_APP_PRIVATE_KEY",
        "",
        "PEM contents of the GitHub App's private key (fallback, not for production)",
        example="",
        secret=True,
    ),
    EnvVar(
        "CONVERGE_GITHUB_INSTALLATION_ID",
        "",
        "Installation id used when neither the delivery nor the repository names one",
    ),
    EnvVar(
        "CONVERGE_GITHUB_DEFAULT_TENANT",
        "",
        "Tenant of intents created from GitHub (unless the installation has its own)",
    ),
    EnvVar(
        "CONVERGE_GITHUB_INSTALLATION_TENANTS",
        "",
        "Tenant per installation: comma-separated installation_id:tenant pairs",
    ),
    EnvVar(
        "CONVERGE_GITHUB_API_URL",
        "https://api.github.com",
        "GitHub REST API base (GitHub Enterprise: https://HOST/api/v3)",
    ),
    EnvVar(
        "CONVERGE_GITHUB_PUBLISH_MODE",
        "both",
        "How decisions reach GitHub: checks, status or both",
    ),
    EnvVar(
        "CONVERGE_GITHUB_CHECK_NAME",
        "Converge Risk Gate",
        "Name of the check-run (branch protection requires it by name)",
    ),
    EnvVar(
        "CONVERGE_GITHUB_MERGE_METHOD",
        "merge",
        "How Converge merges pull requests on GitHub: merge, squash or rebase",
    ),
    EnvVar(
        "CONVERGE_GITHUB_RISK_LABEL_PREFIX",
        "risk:",
        "Pull-request labels setting the risk level (risk:low … risk:critical)",
    ),
    EnvVar(
        "CONVERGE_GITHUB_PRIORITY_LABEL_PREFIX",
        "priority:",
        "Pull-request labels setting the priority (priority:1 … priority:5)",
    ),
    EnvVar(
        "CONVERGE_GITHUB_RETRIES",
        "3",
        "Attempts of a GitHub API call on 5xx, 429 and rate limits (with back-off)",
    ),
    EnvVar(
        "CONVERGE_GITHUB_BACKOFF",
        "2",
        "Back-off factor in seconds between GitHub API attempts (2, 4, 8 s)",
    ),
    EnvVar(
        "CONVERGE_GITHUB_SAFETY_FETCH_MINUTES",
        "30",
        "Minutes between the slow safety fetches of every GitHub mirror (0: off)",
    ),
    EnvVar(
        "CONVERGE_REPOS_DIR",
        "",
        "Directory of the bare mirrors of GitHub repositories (default $CONVERGE_HOME/repos)",
    ),
    EnvVar(
        "CONVERGE_SEMANTIC_DIMENSION",
        "64",
        "Dimension of the deterministic embedding (model id deterministic-v1 at 64)",
    ),
    EnvVar(
        "CONVERGE_SEMANTIC_BATCH_SIZE",
        "100",
        "Texts embedded per batch by indexing and reindex",
    ),
    EnvVar(
        "CONVERGE_SEMANTIC_THREADS",
        "2",
        "CPU threads the embedding model may use in one process",
    ),
    EnvVar(
        "CONVERGE_SEMANTIC_SCAN_MINUTES",
        "10",
        "Minutes between the beat's conflict scans of every repository (0: only on indexing)",
    ),
    EnvVar(
        "CONVERGE_FLAG_CACHE_SECONDS",
        "5",
        "Seconds a process keeps runtime flag overrides before re-reading them",
    ),
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
