"""``converge doctor``: one line per check with a hint, and an overall verdict.

Checks never raise: a broken piece is reported as ``fail`` (or ``warn`` when Converge still
works without it). Higher apps add their own checks through ``CONVERGE_DOCTOR_CHECKS``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string
from kombu.utils.url import maybe_sanitize_url

from converge_core.errors import ConvergeError
from converge_core.git import MIN_GIT_VERSION, git_version
from interfaces.doctor import Check

BROKER_TIMEOUT_SECONDS = 3.0


def check_environment() -> Check:
    problems = []
    if sys.version_info[:2] != (3, 11):
        problems.append(f"Python {sys.version.split()[0]} (Converge targets 3.11)")
    home = Path(settings.CONVERGE_HOME)
    if not os.access(home if home.exists() else home.parent, os.W_OK):
        return Check(
            "environment",
            "fail",
            f"{home} is not writable",
            "Point CONVERGE_HOME at a writable directory",
        )
    if getattr(settings, "SECRET_KEY_GENERATED", False):
        problems.append("DJANGO_SECRET_KEY is not set (using a generated key)")
    detail = f"home {home}; settings {os.environ.get('DJANGO_SETTINGS_MODULE')}"
    if problems:
        return Check(
            "environment",
            "warn",
            f"{detail}; " + "; ".join(problems),
            "Set DJANGO_SECRET_KEY in production",
        )
    return Check("environment", "pass", detail)


def check_database() -> Check:
    """The database answers. An embedded SQLite file is first migrated if it is new or behind,
    as every other command does on first use; PostgreSQL is only looked at."""
    from interfaces.dbready import migrate_embedded_database

    embedded = settings.DB_BACKEND == "sqlite"
    where = (
        str(settings.SQLITE_PATH)
        if embedded
        else f"postgres {connection.settings_dict['HOST']}/{connection.settings_dict['NAME']}"
    )
    migrated = False
    try:
        if embedded:
            migrated = migrate_embedded_database()
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver or migration error means the same thing here
        message = exc.message if isinstance(exc, ConvergeError) else str(exc)
        return Check(
            "database",
            "fail",
            f"{where}: {message}".strip(),
            "Check CONVERGE_DB_PATH (or --db) is writable"
            if embedded
            else "Check CONVERGE_DB_BACKEND / CONVERGE_PG_DSN and that the server is up",
        )
    return Check("database", "pass", f"{where} (new: migrated)" if migrated else where)


def check_migrations() -> Check:
    from interfaces.dbready import pending_migrations

    try:
        pending = pending_migrations()
    except ConvergeError as exc:
        return Check("migrations", "fail", exc.message, "Fix the database connection first")
    if pending:
        names = ", ".join(f"{app}.{name}" for app, name in sorted(pending)[:5])
        return Check(
            "migrations", "fail", f"{len(pending)} pending: {names}", "Run `converge migrate`"
        )
    return Check("migrations", "pass", "all migrations applied")


def check_git() -> Check:
    try:
        version = git_version()
    except Exception as exc:
        return Check("git", "fail", f"git not usable: {exc}", "Install git 2.38 or newer")
    text = ".".join(map(str, version))
    if version < MIN_GIT_VERSION:
        return Check(
            "git", "fail", f"git {text} lacks merge-tree --write-tree", "Install git 2.38 or newer"
        )
    return Check("git", "pass", f"git {text}")


def check_repository() -> Check:
    from intents.repositories import locate_repository

    try:
        root, bare, branch = locate_repository()
    except ConvergeError as exc:
        return Check(
            "repository",
            "warn",
            exc.message,
            "Run inside a repository, pass --repo or set CONVERGE_REPO_PATH",
        )
    kind = "bare repository" if bare else "work tree"
    return Check("repository", "pass", f"{root} ({kind}, HEAD {branch})")


def check_policy() -> Check:
    from intents.policyconfig import policy_config

    try:
        config = policy_config()
    except ConvergeError as exc:
        return Check("policy", "fail", exc.message, "Fix policy.json or remove it")
    source = config.source or "built-in defaults"
    configured = ", ".join(sorted(config.checks)) or "none"
    return Check("policy", "pass", f"{source}; check commands: {configured}")


def check_chain() -> Check:
    from flags.selectors import flag_is_enabled
    from ledger.chain import chain_verify

    try:
        result = chain_verify(enabled=flag_is_enabled("audit_chain"), record=False)
    except Exception as exc:
        return Check("audit_chain", "fail", f"cannot verify: {exc}", "Fix the database first")
    if result.get("enabled") is False:
        return Check(
            "audit_chain",
            "warn",
            "the audit_chain flag is off",
            "Turn CONVERGE_FF_AUDIT_CHAIN back on",
        )
    if not result["valid"]:
        return Check(
            "audit_chain",
            "fail",
            result["reason"],
            "Investigate, then `converge audit init-chain` to reseal",
        )
    reseals = len(result["reseals"])
    detail = f"{result['event_count']} events intact"
    return Check("audit_chain", "pass", detail + (f", {reseals} past reseal(s)" if reseals else ""))


def _creatable(folder: Path) -> bool:
    """The folder exists and is writable, or its nearest existing parent is a writable folder."""
    existing = next(path for path in (folder, *folder.parents) if path.exists())
    return existing.is_dir() and os.access(existing, os.W_OK)


def _check_embedded_broker(options: dict[str, Any]) -> Check:
    from kombu.exceptions import ChannelError

    from converge_site.broker import (
        CLAIM_TIMEOUT_SECONDS,
        FOLDER_OPTIONS,
        embedded_broker_round_trip,
        embedded_broker_state,
        folders_prepare,
    )

    folders = sorted({Path(options[key]) for key in FOLDER_OPTIONS})
    unusable = [str(folder) for folder in folders if not _creatable(folder)]
    if unusable:
        return Check(
            "broker",
            "fail",
            f"embedded broker folder(s) not writable: {', '.join(unusable)}",
            "Make CONVERGE_HOME writable, or set CONVERGE_BROKER_URL to a Redis URL",
        )
    where = f"embedded broker in {Path(options['data_folder_in']).parent}"
    try:
        folders_prepare(options)
        embedded_broker_round_trip(options, timeout=BROKER_TIMEOUT_SECONDS)
    except (ChannelError, OSError) as exc:
        return Check(
            "broker",
            "fail",
            f"{where}: a test message failed: {exc}",
            "Check the broker folders' permissions and free space, or set CONVERGE_BROKER_URL",
        )
    state = embedded_broker_state(options)
    detail = f"{where}: {state['waiting']} waiting, {state['claimed']} claimed by workers"
    if state["damaged"]:
        return Check(
            "broker",
            "warn",
            f"{detail}; {state['damaged']} unreadable message(s) set aside",
            f"Inspect and delete the files in {options['damaged_folder']}: the work they held "
            "is re-driven from the database",
        )
    if state["stale"]:
        return Check(
            "broker",
            "warn",
            f"{detail}; {state['stale']} claimed for over {CLAIM_TIMEOUT_SECONDS:.0f} s",
            "A worker stopped without giving its messages back: the hourly "
            "embedded-broker-sweep requeues them",
        )
    return Check("broker", "pass", detail)


def check_broker() -> Check:
    """The Celery broker answers within a few seconds (the embedded one: a test message goes
    through it, and nothing is stuck or set aside). Registered through
    ``CONVERGE_DOCTOR_CHECKS``."""
    from converge_site.broker import embedded_broker_in_use
    from converge_site.celery import app

    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    if embedded_broker_in_use():
        return _check_embedded_broker(options)
    timeout = BROKER_TIMEOUT_SECONDS
    with app.connection_for_write(
        settings.CELERY_BROKER_URL,
        connect_timeout=timeout,
        transport_options={
            **options,
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
        },
    ) as connection:
        where = connection.as_uri()  # the password masked
        try:
            connection.ensure_connection(max_retries=0, timeout=timeout)
        except Exception as exc:  # any transport error means the same thing here
            return Check(
                "broker",
                "fail",
                f"{where} unreachable: {exc}",
                "Start the broker (Redis) or fix CONVERGE_BROKER_URL",
            )
    return Check("broker", "pass", f"{where} reachable")


def check_cache() -> Check:
    """The shared cache (rate limits, the LLM advisor's budget) stores and returns a value.
    Registered through ``CONVERGE_DOCTOR_CHECKS``."""
    from django.core.cache import cache

    location = (
        maybe_sanitize_url(settings.CONVERGE_CACHE_URL)
        if settings.CONVERGE_CACHE_URL
        else f"database table {settings.CONVERGE_CACHE_TABLE}"
    )
    key = f"converge:doctor:{os.getpid()}"
    try:
        cache.set(key, "ok", timeout=30)
        value = cache.get(key)
        cache.delete(key)
    except Exception as exc:  # any backend error means the same thing here
        return Check(
            "cache",
            "fail",
            f"{location}: {exc}",
            "Start Redis or fix CONVERGE_CACHE_URL (the database cache needs `converge migrate`)",
        )
    if value != "ok":
        return Check("cache", "fail", f"{location}: a stored value did not come back")
    return Check("cache", "pass", location)


# (name, check, needs a working database)
CORE_CHECKS: tuple[tuple[str, Callable[[], Check], bool], ...] = (
    ("environment", check_environment, False),
    ("database", check_database, False),
    ("migrations", check_migrations, True),
    ("git", check_git, False),
    ("repository", check_repository, False),
    ("policy", check_policy, False),
    ("audit_chain", check_chain, True),
)


def run_doctor() -> dict[str, Any]:
    """Every check (the core ones, then ``CONVERGE_DOCTOR_CHECKS``), with the verdict.

    A check added through the setting is a callable returning a :class:`Check`; it runs only
    when the database is usable.
    """
    extra = [
        (path.rsplit(".", 1)[-1].removeprefix("check_"), import_string(path), True)
        for path in getattr(settings, "CONVERGE_DOCTOR_CHECKS", [])
    ]
    results: list[Check] = []
    database_ok = True
    for name, check, needs_db in [*CORE_CHECKS, *extra]:
        if needs_db and not database_ok:
            results.append(
                Check(name, "fail", "skipped: the database is not usable", "Fix the database first")
            )
            continue
        try:
            result = check()
        except Exception as exc:  # a doctor must report, never crash
            result = Check(name, "fail", str(exc))
        results.append(result)
        if name in ("database", "migrations") and result.status == "fail":
            database_ok = False
    statuses = {result.status for result in results}
    overall = "fail" if "fail" in statuses else "warn" if "warn" in statuses else "pass"
    return {"overall": overall, "checks": [result.as_dict() for result in results]}
