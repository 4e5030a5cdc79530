"""Every Converge setting, read from the environment through the registry in ``envvars``.

Production differs from development only by environment values.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from corsheaders.defaults import default_headers

from converge_core.queue import parse_targets
from converge_site import envvars
from converge_site.brokerfolders import transport_options as embedded_transport_options
from converge_site.envparse import (
    cache_settings,
    postgres_settings,
    strict_bool,
    strict_choice,
    strict_float,
    strict_int,
)
from interfaces.home import ensure_home

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _home() -> Path:
    return Path(envvars.value("CONVERGE_HOME")).expanduser().absolute()


def _secret_key(home: Path) -> str:
    """``DJANGO_SECRET_KEY``, ``DJANGO_SECRET_KEY_FILE``, else a key generated once into home."""
    if key := envvars.value("DJANGO_SECRET_KEY"):
        return key
    if key_file := os.environ.get("DJANGO_SECRET_KEY_FILE"):
        return Path(key_file).read_text().strip()
    path = home / "secret_key"
    if not path.exists():
        ensure_home(home)
        # Processes starting together race here: each writes its own file and the first
        # hard link wins, so nobody ever reads a half-written key.
        candidate = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip()


CONVERGE_HOME = _home()
SECRET_KEY = _secret_key(CONVERGE_HOME)
SECRET_KEY_GENERATED = not (
    envvars.value("DJANGO_SECRET_KEY") or os.environ.get("DJANGO_SECRET_KEY_FILE")
)
DEBUG = strict_bool(envvars.value("DJANGO_DEBUG"), "DJANGO_DEBUG")
ALLOWED_HOSTS = [h.strip() for h in envvars.value("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]

INSTALLED_APPS = [
    # Admin modules are discovered by the URL configuration (converge_site/urls.py), so a
    # CLI process that never serves pages does not import them.
    "converge_site.console.ConsoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "converge_site.apps.ConvergeSiteConfig",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "ledger",
    "flags",
    "intents",
    "access",
    "reviews",
    "security",
    "semantic",
    "insights",
    "intake",
    "notifications",
    "github_app",
    "harness",
    "agents",
    "exports",
]
# What only the web server uses: the console and its sessions, messages and static files, the
# API framework, its schema and CORS. A command that serves no pages starts without them
# (converge.cli), so it imports none of their modules; they have no tables a command reads, and
# their migrations are applied by `converge migrate` and by the processes that install them.
CONVERGE_WEB_APPS = [
    "converge_site.console.ConsoleAdminConfig",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
]

# Order matters: headers and observability wrap everything (429s and 500s included); static
# files and CORS preflights are answered before the rate limiter; an API body over the size
# limit is refused before anything reads it; the limiter runs after the session is read (staff
# signed in to the console are not limited) and before the URL resolver so unknown routes and
# 401s count against the caller's budget too.
MIDDLEWARE = [
    "converge_site.middleware.SecurityHeadersMiddleware",
    "converge_site.middleware.RequestObservabilityMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "converge_site.middleware.StaticFilesMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "converge_site.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "converge_site.middleware.RateLimitMiddleware",
    "converge_site.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "converge_site.urls"
WSGI_APPLICATION = "converge_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DB_BACKEND = strict_choice(
    envvars.value("CONVERGE_DB_BACKEND"), "CONVERGE_DB_BACKEND", ("sqlite", "postgres")
)
SQLITE_PATH = Path(envvars.value("CONVERGE_DB_PATH") or CONVERGE_HOME / "state.db").absolute()

if DB_BACKEND == "postgres":
    DATABASES = {"default": postgres_settings(envvars.value("CONVERGE_PG_DSN"))}
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # IMMEDIATE transactions take the write lock up front, so concurrent writers queue on the
    # busy timeout instead of failing with "database is locked" when a read upgrades.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 60,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # an API thread keeps its connection between requests: opening one (and running
            # the init command) costs more than most reads
            "CONN_MAX_AGE": 60,
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = CONVERGE_HOME / "static"

# --- Product knobs ----------------------------------------------------------------------------
CONVERGE_ACTOR = envvars.value("CONVERGE_ACTOR") or "system"
CONVERGE_REPO_PATH = envvars.value("CONVERGE_REPO_PATH")
CONVERGE_POLICY_PATH = envvars.value("CONVERGE_POLICY_PATH")
CONVERGE_CHECK_TIMEOUT = strict_int(
    envvars.value("CONVERGE_CHECK_TIMEOUT"), "CONVERGE_CHECK_TIMEOUT", minimum=1
)
CONVERGE_CHECK_OUTPUT_LIMIT = strict_int(
    envvars.value("CONVERGE_CHECK_OUTPUT_LIMIT"), "CONVERGE_CHECK_OUTPUT_LIMIT", minimum=100
)
CONVERGE_SECURITY_SCANNERS = [
    name.strip() for name in envvars.value("CONVERGE_SECURITY_SCANNERS").split(",") if name.strip()
]
CONVERGE_SECURITY_TIMEOUT = strict_int(
    envvars.value("CONVERGE_SECURITY_TIMEOUT"), "CONVERGE_SECURITY_TIMEOUT", minimum=1
)
CONVERGE_SECURITY_PIP_AUDIT_SERVICE = strict_choice(
    envvars.value("CONVERGE_SECURITY_PIP_AUDIT_SERVICE"),
    "CONVERGE_SECURITY_PIP_AUDIT_SERVICE",
    ("pypi", "osv"),
)
CONVERGE_SECURITY_OSV_URL = envvars.value("CONVERGE_SECURITY_OSV_URL")
CONVERGE_SECURITY_SHELL_SCANNERS = envvars.value("CONVERGE_SECURITY_SHELL_SCANNERS")
CONVERGE_QUESTION_TIMEOUT = strict_int(
    envvars.value("CONVERGE_QUESTION_TIMEOUT"), "CONVERGE_QUESTION_TIMEOUT", minimum=1
)
CONVERGE_MAX_RETRIES = (
    strict_int(envvars.value("CONVERGE_MAX_RETRIES"), "CONVERGE_MAX_RETRIES", minimum=1)
    if envvars.value("CONVERGE_MAX_RETRIES")
    else None
)
CONVERGE_QUEUE_LOCK_TTL = strict_int(
    envvars.value("CONVERGE_QUEUE_LOCK_TTL"), "CONVERGE_QUEUE_LOCK_TTL", minimum=5
)
CONVERGE_GIT_COMMITTER = (
    envvars.value("CONVERGE_GIT_COMMITTER_NAME"),
    envvars.value("CONVERGE_GIT_COMMITTER_EMAIL"),
)

# --- Worker and beat (Celery; the app is converge_site.celery) --------------------------------
# The module that creates the Celery app, loaded by whatever defines or sends a task
# (interfaces.taskpolicy), so a command that sends none does not import Celery.
CONVERGE_CELERY_APP = "converge_site.celery"
CONVERGE_BROKER_URL = envvars.value("CONVERGE_BROKER_URL")
CONVERGE_BROKER_DIR = CONVERGE_HOME / "broker"
CONVERGE_WORKER_POLL_INTERVAL = strict_float(
    envvars.value("CONVERGE_WORKER_POLL_INTERVAL"), "CONVERGE_WORKER_POLL_INTERVAL", minimum=0.1
)
CONVERGE_WORKER_BATCH_SIZE = strict_int(
    envvars.value("CONVERGE_WORKER_BATCH_SIZE"), "CONVERGE_WORKER_BATCH_SIZE", minimum=1
)
# None: CONVERGE_MAX_RETRIES, then policy.json, then 3 (decisions §14), resolved by the queue.
CONVERGE_WORKER_MAX_RETRIES = (
    strict_int(
        envvars.value("CONVERGE_WORKER_MAX_RETRIES"), "CONVERGE_WORKER_MAX_RETRIES", minimum=1
    )
    if envvars.value("CONVERGE_WORKER_MAX_RETRIES")
    else None
)
# None: every target with candidates (`*`).
CONVERGE_WORKER_TARGETS = parse_targets(envvars.value("CONVERGE_WORKER_TARGET"), "main")
CONVERGE_WORKER_AUTO_CONFIRM = strict_bool(
    envvars.value("CONVERGE_WORKER_AUTO_CONFIRM"), "CONVERGE_WORKER_AUTO_CONFIRM"
)
CONVERGE_WORKER_SKIP_CHECKS = strict_bool(
    envvars.value("CONVERGE_WORKER_SKIP_CHECKS"), "CONVERGE_WORKER_SKIP_CHECKS"
)
CONVERGE_WORKER_FRESH_SIMULATION = strict_bool(
    envvars.value("CONVERGE_WORKER_FRESH_SIMULATION"), "CONVERGE_WORKER_FRESH_SIMULATION"
)
CONVERGE_WORKER_HEARTBEAT_CYCLES = strict_int(
    envvars.value("CONVERGE_WORKER_HEARTBEAT_CYCLES"), "CONVERGE_WORKER_HEARTBEAT_CYCLES"
)
CONVERGE_WORKER_PRUNE_INTERVAL_CYCLES = strict_int(
    envvars.value("CONVERGE_WORKER_PRUNE_INTERVAL_CYCLES"), "CONVERGE_WORKER_PRUNE_INTERVAL_CYCLES"
)
CONVERGE_WORKER_PRUNE_RETENTION_DAYS = strict_int(
    envvars.value("CONVERGE_WORKER_PRUNE_RETENTION_DAYS"),
    "CONVERGE_WORKER_PRUNE_RETENTION_DAYS",
    minimum=1,
)
CONVERGE_WORKER_CONCURRENCY = strict_int(
    envvars.value("CONVERGE_WORKER_CONCURRENCY"), "CONVERGE_WORKER_CONCURRENCY", minimum=1
)
CONVERGE_WORKER_QUEUES = [
    name.strip() for name in envvars.value("CONVERGE_WORKER_QUEUES").split(",") if name.strip()
]

CELERY_BROKER_URL = CONVERGE_BROKER_URL or "filesystem://localhost/"
CELERY_BROKER_TRANSPORT = None if CONVERGE_BROKER_URL else "converge_site.broker:EmbeddedTransport"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any]
if CONVERGE_BROKER_URL:
    # Longer than any task's hard time limit, so Redis never hands a running task out twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    if envvars.value("CONVERGE_BROKER_KEY_PREFIX"):
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = envvars.value(
            "CONVERGE_BROKER_KEY_PREFIX"
        )
else:
    # The embedded broker: one file per message, written whole and claimed by a rename (see
    # converge_site.broker).
    CELERY_BROKER_TRANSPORT_OPTIONS = embedded_transport_options(CONVERGE_BROKER_DIR)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# Outcomes are recorded as events and rows: no result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# A task whose process died is not redelivered in a loop: the beat issues the next one.
CELERY_TASK_REJECT_ON_WORKER_LOST = False
# Cutting a merge short because the broker blinked helps nobody: the rerun is idempotent.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Defaults for every task; tasks that may run longer set their own.
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "intents.tasks.queue_*": {"queue": "merge"},
    "security.tasks.*": {"queue": "security"},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The embedded broker keeps every broadcast for dead workers' mailboxes for ever.
CELERY_WORKER_ENABLE_REMOTE_CONTROL = bool(CONVERGE_BROKER_URL)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(CONVERGE_HOME / "beat-schedule")

# The one scheduler: kebab-case names, a cadence comment each, and an expiry no longer than the
# interval (a tick still waiting when the next one is due is dropped, not run twice).
_poll = CONVERGE_WORKER_POLL_INTERVAL
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # Every poll interval (CONVERGE_WORKER_POLL_INTERVAL, 5 s): first validation of READY intents;
    # the queue only takes VALIDATED ones.
    "validate-ready-intents": {
        "task": "intents.tasks.ready_intents_dispatch_task",
        "schedule": timedelta(seconds=_poll),
        "options": {"expires": _poll},
    },
    # Every poll interval (5 s): one single-flight queue run per (repository, target).
    "process-queues": {
        "task": "intents.tasks.queue_dispatch_task",
        "schedule": timedelta(seconds=_poll),
        "options": {"expires": _poll},
    },
}
if CONVERGE_WORKER_HEARTBEAT_CYCLES > 0:
    # Every CONVERGE_WORKER_HEARTBEAT_CYCLES poll intervals (10 × 5 s = 50 s): the worker's row
    # of the worker-state table (doctor's `worker` check and the console read it; no event).
    CELERY_BEAT_SCHEDULE["worker-heartbeat"] = {
        "task": "intents.tasks.worker_heartbeat_task",
        "schedule": timedelta(seconds=_poll * CONVERGE_WORKER_HEARTBEAT_CYCLES),
        "options": {"expires": _poll * CONVERGE_WORKER_HEARTBEAT_CYCLES},
    }
if CONVERGE_WORKER_PRUNE_INTERVAL_CYCLES > 0:
    # Every CONVERGE_WORKER_PRUNE_INTERVAL_CYCLES poll intervals; off unless set (decisions §17).
    CELERY_BEAT_SCHEDULE["audit-prune"] = {
        "task": "intents.tasks.audit_prune_task",
        "schedule": timedelta(seconds=_poll * CONVERGE_WORKER_PRUNE_INTERVAL_CYCLES),
        "args": (CONVERGE_WORKER_PRUNE_RETENTION_DAYS,),
        "options": {"expires": _poll * CONVERGE_WORKER_PRUNE_INTERVAL_CYCLES},
    }
if not CONVERGE_BROKER_URL:
    # Hourly: the embedded broker's processed messages.
    CELERY_BEAT_SCHEDULE["embedded-broker-sweep"] = {
        "task": "converge_site.tasks.embedded_broker_sweep_task",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3600},
    }
# Every minute: notifications still pending past their due time (lost with a crashed worker,
# or refused by the broker) are queued again from their outbox rows.
CELERY_BEAT_SCHEDULE["notification-redrive"] = {
    "task": "notifications.tasks.notification_redrive_task",
    "schedule": timedelta(minutes=1),
    "options": {"expires": 60},
}
# Every 5 minutes: open reviews the LLM advisor has not analysed yet (their task was lost, or
# the rate limit deferred them) are queued for analysis again.
CELERY_BEAT_SCHEDULE["review-analysis-redrive"] = {
    "task": "reviews.tasks.review_analysis_redrive_task",
    "schedule": timedelta(minutes=5),
    "options": {"expires": 5 * 60},
}
# Every 15 minutes: the review escalation table (auto-assign, SLA breaches, escalations and the
# review-backlog throttle of intake).
CELERY_BEAT_SCHEDULE["review-sweep"] = {
    "task": "reviews.tasks.review_sweep_task",
    "schedule": timedelta(minutes=15),
    "options": {"expires": 15 * 60},
}
# Every poll interval (5 s): pre-scans of new and updated intents on the security queue, so a
# validation finds the scan of its merged tree ready.
CELERY_BEAT_SCHEDULE["security-prescan"] = {
    "task": "security.tasks.security_prescan_dispatch_task",
    "schedule": timedelta(seconds=_poll),
    "options": {"expires": _poll},
}
# Every minute: new and changed in-flight intents are embedded (intent_semantics) and their
# repositories scanned for semantic conflicts.
CELERY_BEAT_SCHEDULE["semantic-index-pending"] = {
    "task": "semantic.tasks.semantic_index_pending_task",
    "schedule": timedelta(minutes=1),
    "options": {"expires": 60},
}
# Every 5 minutes: health and debt snapshots per tenant, read by the trends and the health
# prediction (recorded once per 5-minute slot however often the tick is delivered).
CELERY_BEAT_SCHEDULE["operations-snapshots"] = {
    "task": "insights.tasks.snapshots_record_all_task",
    "schedule": timedelta(minutes=5),
    "options": {"expires": 5 * 60},
}

# Extension points (dotted paths; see converge_core.hooks). Higher apps append to these.
CONVERGE_ADMISSION_CHECKS: list[str] = []
CONVERGE_QUEUE_HOLDS: list[str] = []
CONVERGE_POLICY_GATES: list[str] = []
CONVERGE_AFTER_DECISION: list[str] = []
# What those holds and gates read, as digests in every decision's fingerprint: a hold or gate
# that reads state of its own adds one here, or the queue never notices that state change.
CONVERGE_DECISION_INPUTS: list[str] = []
CONVERGE_INTENT_DETAILS: list[str] = []
CONVERGE_RISK_REVIEW_DETAILS: list[str] = []
CONVERGE_SUMMARY_SECTIONS: list[str] = []
CONVERGE_DOCTOR_CHECKS: list[str] = []
# Asked by the queue before it merges with the local git engine (GitHub's pull-request merge).
CONVERGE_MERGE_EXECUTORS: list[str] = []
# The operator console: the dashboard's panels and the intents' actions of later apps.
CONVERGE_DASHBOARD_SECTIONS: list[str] = [
    "intents.console.queue_section",
    "intents.console.locks_section",
    "ledger.console.operator_events_section",
]
CONVERGE_INTENT_ACTIONS: list[str] = []
CONVERGE_REVIEW_COMPLETION_CHECKS: list[str] = []

# --- Operations: reviews, intake, verification debt, notifications, LLM advisor, flags --------
CONVERGE_ADMISSION_CHECKS.append("intake.admission.admit")
CONVERGE_QUEUE_HOLDS.append("reviews.holds.review_holds")
CONVERGE_DECISION_INPUTS.append("reviews.holds.review_inputs")
# --- Security: gate 4 over the findings of the intent's merged tree -------------------------
CONVERGE_POLICY_GATES.append("security.gate.security_gate")
CONVERGE_DECISION_INPUTS.append("security.gate.security_inputs")
CONVERGE_INTENT_DETAILS += [
    "reviews.details.intent_reviews",
    "security.details.intent_security",
    "semantic.details.intent_semantic_conflicts",
]
CONVERGE_DASHBOARD_SECTIONS += [
    "reviews.console.reviews_section",
    "intake.console.intake_section",
    "semantic.console.conflicts_section",
    "security.console.findings_section",
]
CONVERGE_INTENT_ACTIONS.append("reviews.console.review_intent_actions")
CONVERGE_AFTER_DECISION += [
    "notifications.hooks.notify_decision",
    "reviews.policy.policy_review_request",
]
# Told the review backlog per tenant after each review sweep (see converge_core.reviews).
CONVERGE_REVIEW_BACKLOG_HOOKS: list[str] = ["intake.backlog.review_backlog_throttle"]
# --- Coherence harness: gate 5 of every policy evaluation, its inputs, its events ----------
CONVERGE_POLICY_GATES.append("harness.gates.coherence_gate")
CONVERGE_DECISION_INPUTS.append("harness.gates.coherence_inputs")
CONVERGE_AFTER_DECISION.append("harness.hooks.coherence_record")
# --- Separation of duties: an intent's author or an owner of its code never approves it ----
CONVERGE_REVIEW_COMPLETION_CHECKS.append("agents.sod.review_completion_check")
CONVERGE_DOCTOR_CHECKS += [
    "intents.doctor.check_queue_locks",
    "flags.doctor.check_feature_flags",
    "reviews.doctor.check_review_pool",
    "reviews.doctor.check_llm_advisor",
    "security.doctor.check_security_tools",
    "semantic.doctor.check_semantic_index",
    "converge_site.doctor.check_broker",
    "converge_site.doctor.check_cache",
    "intents.doctor.check_worker",
]
# What ``risk review`` shows from higher apps (converge_core.hooks.RiskReviewDetails).
CONVERGE_RISK_REVIEW_DETAILS.append("insights.details.risk_review_compliance")
CONVERGE_SUMMARY_SECTIONS.append("insights.details.summary_health")
CONVERGE_REVIEW_POOL = envvars.value("CONVERGE_REVIEW_POOL")
CONVERGE_REVIEW_ASSIGN_AFTER_HOURS = strict_float(
    envvars.value("CONVERGE_REVIEW_ASSIGN_AFTER_HOURS"), "CONVERGE_REVIEW_ASSIGN_AFTER_HOURS"
)
CONVERGE_REVIEW_ESCALATE_AFTER_HOURS = strict_float(
    envvars.value("CONVERGE_REVIEW_ESCALATE_AFTER_HOURS"), "CONVERGE_REVIEW_ESCALATE_AFTER_HOURS"
)
CONVERGE_REVIEW_BACKLOG_LIMIT = strict_int(
    envvars.value("CONVERGE_REVIEW_BACKLOG_LIMIT"), "CONVERGE_REVIEW_BACKLOG_LIMIT", minimum=0
)
# Verification-debt parameters (operations §1.2); keys of converge_core.debt.DebtParams.
CONVERGE_DEBT: dict[str, float] = {}
CONVERGE_COMPLIANCE_WINDOW_DAYS = 7
CONVERGE_WEBHOOK_URL = envvars.value("CONVERGE_WEBHOOK_URL")
CONVERGE_WEBHOOK_SECRET = envvars.value("CONVERGE_WEBHOOK_SECRET")
CONVERGE_WEBHOOK_ATTEMPTS = strict_int(
    envvars.value("CONVERGE_WEBHOOK_ATTEMPTS"), "CONVERGE_WEBHOOK_ATTEMPTS", minimum=1
)
CONVERGE_WEBHOOK_TIMEOUT = strict_float(
    envvars.value("CONVERGE_WEBHOOK_TIMEOUT"), "CONVERGE_WEBHOOK_TIMEOUT"
)
# Seconds to wait before each retry of a webhook delivery (the last value repeats).
CONVERGE_WEBHOOK_BACKOFF: tuple[float, ...] = (1.0, 5.0)
CONVERGE_LLM_PROVIDER = strict_choice(
    envvars.value("CONVERGE_LLM_PROVIDER"), "CONVERGE_LLM_PROVIDER", ("null", "anthropic", "openai")
)
CONVERGE_LLM_API_KEY = envvars.value("CONVERGE_LLM_API_KEY")
CONVERGE_LLM_MODEL = envvars.value("CONVERGE_LLM_MODEL")
CONVERGE_LLM_RATE_LIMIT = strict_int(
    envvars.value("CONVERGE_LLM_RATE_LIMIT"), "CONVERGE_LLM_RATE_LIMIT", minimum=0
)


# --- GitHub App (interfaces §5) ---------------------------------------------------------------
def _file_or_value(name: str) -> str:
    path = os.environ.get(f"{name}_FILE")
    return Path(path).read_text().strip() if path else envvars.value(name)


CONVERGE_GITHUB_WEBHOOK_SECRET = _file_or_value("CONVERGE_GITHUB_WEBHOOK_SECRET")
CONVERGE_GITHUB_WEBHOOK_ALLOW_UNSIGNED = strict_bool(
    envvars.value("CONVERGE_GITHUB_WEBHOOK_ALLOW_UNSIGNED"),
    "CONVERGE_GITHUB_WEBHOOK_ALLOW_UNSIGNED",
)
CONVERGE_WEBHOOK_MAX_BODY_BYTES = strict_int(
    envvars.value("CONVERGE_WEBHOOK_MAX_BODY_BYTES"), "CONVERGE_WEBHOOK_MAX_BODY_BYTES", minimum=1
)
CONVERGE_GITHUB_APP_ID = envvars.value("CONVERGE_GITHUB_APP_ID")
CONVERGE_GITHUB_APP_PRIVATE_KEY_PATH = envvars.value("CONVERGE_GITHUB_APP_PRIVATE_KEY_PATH")
CONVERGE_GITHUB_APP_PRIVATE_KEY = envvars.value("CONVERGE_GITHUB_APP_PRIVATE_KEY")
CONVERGE_GITHUB_INSTALLATION_ID = envvars.value("CONVERGE_GITHUB_INSTALLATION_ID")
CONVERGE_GITHUB_DEFAULT_TENANT = envvars.value("CONVERGE_GITHUB_DEFAULT_TENANT") or None
CONVERGE_GITHUB_INSTALLATION_TENANTS = envvars.value("CONVERGE_GITHUB_INSTALLATION_TENANTS")
CONVERGE_GITHUB_API_URL = envvars.value("CONVERGE_GITHUB_API_URL").rstrip("/")
CONVERGE_GITHUB_PUBLISH_MODE = strict_choice(
    envvars.value("CONVERGE_GITHUB_PUBLISH_MODE"),
    "CONVERGE_GITHUB_PUBLISH_MODE",
    ("checks", "status", "both"),
)
CONVERGE_GITHUB_CHECK_NAME = envvars.value("CONVERGE_GITHUB_CHECK_NAME")
CONVERGE_GITHUB_MERGE_METHOD = strict_choice(
    envvars.value("CONVERGE_GITHUB_MERGE_METHOD"),
    "CONVERGE_GITHUB_MERGE_METHOD",
    ("merge", "squash", "rebase"),
)
CONVERGE_GITHUB_RISK_LABEL_PREFIX = envvars.value("CONVERGE_GITHUB_RISK_LABEL_PREFIX")
CONVERGE_GITHUB_PRIORITY_LABEL_PREFIX = envvars.value("CONVERGE_GITHUB_PRIORITY_LABEL_PREFIX")
CONVERGE_GITHUB_RETRIES = strict_int(
    envvars.value("CONVERGE_GITHUB_RETRIES"), "CONVERGE_GITHUB_RETRIES", minimum=0
)
CONVERGE_GITHUB_BACKOFF = strict_float(
    envvars.value("CONVERGE_GITHUB_BACKOFF"), "CONVERGE_GITHUB_BACKOFF"
)
CONVERGE_GITHUB_SAFETY_FETCH_MINUTES = strict_int(
    envvars.value("CONVERGE_GITHUB_SAFETY_FETCH_MINUTES"),
    "CONVERGE_GITHUB_SAFETY_FETCH_MINUTES",
    minimum=0,
)
CONVERGE_REPOS_DIR = Path(envvars.value("CONVERGE_REPOS_DIR") or CONVERGE_HOME / "repos").absolute()
CONVERGE_AFTER_DECISION.append("github_app.hooks.publish_decision")
CONVERGE_QUEUE_HOLDS.append("github_app.hooks.github_holds")
CONVERGE_MERGE_EXECUTORS.append("github_app.merging.merge_pull_request")
CONVERGE_DOCTOR_CHECKS.append("github_app.doctor.check_github_app")
# Every minute: deliveries whose work was lost and check-runs whose publish failed are queued
# again from their rows.
CELERY_BEAT_SCHEDULE["github-sweep"] = {
    "task": "github_app.tasks.github_sweep_task",
    "schedule": timedelta(minutes=1),
    "options": {"expires": 60},
}
if CONVERGE_GITHUB_SAFETY_FETCH_MINUTES > 0:
    # Every CONVERGE_GITHUB_SAFETY_FETCH_MINUTES (30): one fetch of each mirror with active
    # intents, in case a webhook was missed (webhooks fetch what moved as it moves).
    CELERY_BEAT_SCHEDULE["github-safety-fetch"] = {
        "task": "github_app.tasks.mirrors_safety_fetch_task",
        "schedule": timedelta(minutes=CONVERGE_GITHUB_SAFETY_FETCH_MINUTES),
        "options": {"expires": CONVERGE_GITHUB_SAFETY_FETCH_MINUTES * 60},
    }

CONVERGE_FLAG_CACHE_SECONDS = strict_float(
    envvars.value("CONVERGE_FLAG_CACHE_SECONDS"), "CONVERGE_FLAG_CACHE_SECONDS"
)

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "converge_site.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {
        "handlers": ["stderr"],
        "level": strict_choice(
            envvars.value("CONVERGE_LOG_LEVEL"),
            "CONVERGE_LOG_LEVEL",
            ("debug", "info", "warning", "error", "critical"),
        ).upper(),
    },
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # beat announces every tick (every few seconds); its warnings and errors still show
        "celery.beat": {"level": "WARNING"},
    },
}

# --- HTTP API: auth, rate limits, CORS, cache, schema, tracing -------------------------------
CONVERGE_AUTH_REQUIRED = strict_bool(
    envvars.value("CONVERGE_AUTH_REQUIRED"), "CONVERGE_AUTH_REQUIRED"
)
CONVERGE_API_KEYS = envvars.value("CONVERGE_API_KEYS")
CONVERGE_RATE_LIMIT_ENABLED = strict_bool(
    envvars.value("CONVERGE_RATE_LIMIT_ENABLED"), "CONVERGE_RATE_LIMIT_ENABLED"
)
CONVERGE_RATE_LIMIT_RPM = strict_int(
    envvars.value("CONVERGE_RATE_LIMIT_RPM"), "CONVERGE_RATE_LIMIT_RPM", minimum=1
)
# Largest JSON document a caller may send: API request bodies and the CLI's --file.
CONVERGE_MAX_BODY_BYTES = strict_int(
    envvars.value("CONVERGE_MAX_BODY_BYTES"), "CONVERGE_MAX_BODY_BYTES", minimum=1024
)

_cors_origins = [o.strip() for o in envvars.value("CONVERGE_CORS_ORIGINS").split(",") if o.strip()]
CORS_ALLOW_ALL_ORIGINS = "*" in _cors_origins
CORS_ALLOWED_ORIGINS = [origin for origin in _cors_origins if origin != "*"]
CORS_ALLOW_CREDENTIALS = not CORS_ALLOW_ALL_ORIGINS
CORS_ALLOW_HEADERS = (*default_headers, "x-api-key", "x-trace-id", "traceparent", "tracestate")
CORS_EXPOSE_HEADERS = [
    "X-Trace-Id",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
]

# Shared by every process: rate-limit windows live here. The database cache's table is created
# by a migration of the access app, so `converge migrate` is all a deployment needs.
CONVERGE_CACHE_TABLE = "converge_cache"
CONVERGE_CACHE_URL = envvars.value("CONVERGE_CACHE_URL")
if CONVERGE_CACHE_URL:
    CACHES = {"default": cache_settings(CONVERGE_CACHE_URL)}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CONVERGE_CACHE_TABLE,
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_HSTS_SECONDS = strict_int(
    envvars.value("DJANGO_SECURE_HSTS_SECONDS"), "DJANGO_SECURE_HSTS_SECONDS", minimum=0
)

CONVERGE_TRACING_ENABLED = bool(
    envvars.value("OTEL_EXPORTER_OTLP_ENDPOINT")
    or envvars.value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["access.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["access.permissions.RouteAccess"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["converge_site.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "converge_site.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Converge API",
    "DESCRIPTION": (
        "Merge coordination for humans and AI agents. Every route exists under `/v1` "
        "(canonical) and `/api` (byte-identical mirror); authenticate with `X-API-Key`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/v1",
    # Request bodies get components of their own, so they can say what a request may not be
    # (a blank string) without saying it of the responses.
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["converge_site.api.canonical_endpoints"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "converge_site.openapi.error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RiskLevelEnum": "intents.choices.RiskLevel",
        "IntentStatusEnum": "intents.choices.IntentStatus",
        "ReviewStatusEnum": "reviews.choices.ReviewStatus",
        "HealthStatusEnum": "converge_core.health.BANDS",
        "IntakeModeEnum": "intake.api.serializers.MODES",
        "IntakeModeSettingEnum": "converge_core.intake.SETTABLE_MODES",
        "PolicyModeEnum": "converge_core.policy.defaults.RISK_MODES",
        "ReviewTriggerEnum": "reviews.choices.ReviewTrigger",
        "ScanTriggerEnum": "security.choices.ScanTrigger",
        "SemanticConflictStatusEnum": "semantic.choices.ConflictStatus",
        "SemanticConflictModeEnum": "semantic.choices.ConflictMode",
        "AgentActionEnum": "converge_core.agents.ACTIONS",
    },
    # The schema UI's assets are served from the sidecar package: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Semantic index and conflicts (operations §5) ----------------------------------------------
CONVERGE_SEMANTIC_DIMENSION = strict_int(
    envvars.value("CONVERGE_SEMANTIC_DIMENSION"), "CONVERGE_SEMANTIC_DIMENSION", minimum=8
)
CONVERGE_SEMANTIC_BATCH_SIZE = strict_int(
    envvars.value("CONVERGE_SEMANTIC_BATCH_SIZE"), "CONVERGE_SEMANTIC_BATCH_SIZE", minimum=1
)
CONVERGE_SEMANTIC_THREADS = strict_int(
    envvars.value("CONVERGE_SEMANTIC_THREADS"), "CONVERGE_SEMANTIC_THREADS", minimum=1
)
CONVERGE_SEMANTIC_SCAN_MINUTES = strict_int(
    envvars.value("CONVERGE_SEMANTIC_SCAN_MINUTES"), "CONVERGE_SEMANTIC_SCAN_MINUTES", minimum=0
)
if CONVERGE_SEMANTIC_SCAN_MINUTES > 0:
    # Every CONVERGE_SEMANTIC_SCAN_MINUTES (10): a full conflict scan from the stored vectors
    # (semantic_conflicts; a scan that finds nothing new writes nothing).
    CELERY_BEAT_SCHEDULE["semantic-conflict-scan"] = {
        "task": "semantic.tasks.semantic_conflict_scan_task",
        "schedule": timedelta(minutes=CONVERGE_SEMANTIC_SCAN_MINUTES),
        "options": {"expires": 60 * CONVERGE_SEMANTIC_SCAN_MINUTES},
    }
