"""Every Converge setting, read from the environment through the registry in ``envvars``.

Production differs from development only by environment values.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from converge_site import envvars
from converge_site.envparse import postgres_settings, strict_bool, strict_choice, strict_int

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _home() -> Path:
    return Path(envvars.value("CONVERGE_HOME")).expanduser().absolute()


def ensure_home(path: Path) -> Path:
    """Create the data directory with a ``.gitignore`` of ``*`` so it never dirties a checkout."""
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    if created:
        (path / ".gitignore").write_text("*\n")
    return path


def _secret_key(home: Path) -> str:
    """``DJANGO_SECRET_KEY``, ``DJANGO_SECRET_KEY_FILE``, else a key generated once into home."""
    if key := envvars.value("DJANGO_SECRET_KEY"):
        return key
    if key_file := os.environ.get("DJANGO_SECRET_KEY_FILE"):
        return Path(key_file).read_text().strip()
    path = home / "secret_key"
    if not path.exists():
        ensure_home(home)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


CONVERGE_HOME = _home()
SECRET_KEY = _secret_key(CONVERGE_HOME)
SECRET_KEY_GENERATED = not (
    envvars.value("DJANGO_SECRET_KEY") or os.environ.get("DJANGO_SECRET_KEY_FILE")
)
DEBUG = strict_bool(envvars.value("DJANGO_DEBUG"), "DJANGO_DEBUG")
ALLOWED_HOSTS = [h.strip() for h in envvars.value("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "converge_site.apps.ConvergeSiteConfig",
    "flags",
    "intents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

# Extension points (dotted paths; see converge_core.hooks). Higher apps append to these.
CONVERGE_ADMISSION_CHECKS: list[str] = []
CONVERGE_QUEUE_HOLDS: list[str] = []
CONVERGE_POLICY_GATES: list[str] = []
CONVERGE_AFTER_DECISION: list[str] = []
CONVERGE_INTENT_DETAILS: list[str] = []
CONVERGE_DOCTOR_CHECKS: list[str] = []

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "converge_site.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": envvars.value("CONVERGE_LOG_LEVEL").upper()},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
