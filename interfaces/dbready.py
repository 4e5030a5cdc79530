"""Making sure the database is usable before a command runs.

An embedded SQLite database migrates itself on first use (under a file lock, so parallel
first commands do not race); PostgreSQL is migrated by ``converge migrate`` and an unmigrated
database is a clear error naming that command.
"""

from __future__ import annotations

import fcntl
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.utils import OperationalError as DatabaseError

from converge_core.errors import OperationFailed
from interfaces.home import ensure_home


def migration_names_on_disk() -> set[tuple[str, str]]:
    names = set()
    for config in apps.get_app_configs():
        folder = Path(config.path) / "migrations"
        if not folder.is_dir():
            continue
        for path in folder.glob("[0-9]*.py"):
            names.add((config.label, path.stem))
    return names


def pending_migrations() -> set[tuple[str, str]]:
    """Migrations on disk that the database has not recorded (cheap: no graph loading)."""
    try:
        with connection.cursor() as cursor:
            if "django_migrations" not in connection.introspection.table_names(cursor):
                return migration_names_on_disk()
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = set(cursor.fetchall())
    except DatabaseError as exc:
        raise OperationFailed(f"Database unavailable: {exc}") from None
    return migration_names_on_disk() - applied


def ensure_database_ready() -> None:
    if settings.DB_BACKEND == "sqlite":
        migrate_embedded_database()
    elif pending_migrations():
        raise OperationFailed(
            "The PostgreSQL database is not migrated: run `converge migrate`", code="not_migrated"
        )


def migrate_embedded_database() -> bool:
    """Create the SQLite file's folder and apply pending migrations; True if it migrated."""
    name = str(connection.settings_dict["NAME"])
    if "mode=memory" in name or name == ":memory:":
        return False  # an in-memory database (the test run) is migrated by its creator
    path = Path(name)
    if path.parent == Path(settings.CONVERGE_HOME):
        ensure_home(path.parent)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not pending_migrations():
        return False
    with open(f"{path}.migrate-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not pending_migrations():
                return False
            call_command("migrate", verbosity=0, interactive=False)
            return True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
