#!/usr/bin/env python
"""Copy every table of a Converge database between SQLite and PostgreSQL.

    python scripts/backfill_sqlite_to_pg.py [--source PATH] [--target DSN]            # SQLite -> PG
    python scripts/backfill_sqlite_to_pg.py --reverse --source DSN --target PATH      # PG -> SQLite

The source defaults to ``$CONVERGE_DB_PATH`` (SQLite) or ``$CONVERGE_PG_DSN`` (PostgreSQL), the
target to the other one. The target is migrated first, then every table Django knows (every
app's models and their many-to-many tables, in foreign-key order) is copied in batches of
``--batch-size`` rows by primary key, so memory stays constant. Content types and permissions
are matched by natural key, never by id, and every reference to them is translated. A row the
target already holds identically is skipped (a rerun copies nothing twice); a row it holds
with other values is a conflict, unless ``--update`` makes a target holding an earlier copy
an exact copy again (changed rows replaced, rows the source no longer has removed; never
events: the target's log must be a prefix of the source's). Before committing, the row
counts of both sides and the audit chain of the target are verified, and PostgreSQL's
sequences are moved past the copied ids. Everything happens in one transaction of the
target: on any error nothing is written.

Prints one JSON document (tables, rows copied, rows per second, the chain). Exit codes: 0
success, 2 bad arguments, 1 unreachable database or conflicting target, 3 verification failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Model

ROOT = Path(__file__).resolve().parent.parent
BATCH_SIZE = 2000
PRISTINE = "file:converge-backfill-pristine?mode=memory&cache=shared"


class BackfillError(Exception):
    """A failure with its exit code; the message is one line for stderr."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="backfill_sqlite_to_pg.py",
        description="Copy every Converge table from SQLite to PostgreSQL (--reverse: back).",
    )
    parser.add_argument(
        "--reverse", action="store_true", help="PostgreSQL -> SQLite (the runbook's rollback)"
    )
    parser.add_argument("--source", help="SQLite path, or with --reverse a PostgreSQL DSN")
    parser.add_argument("--target", help="PostgreSQL DSN, or with --reverse a SQLite path")
    parser.add_argument(
        "--batch-size", type=int, default=BATCH_SIZE, help=f"rows per batch ({BATCH_SIZE})"
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="make a target that holds an earlier copy an exact copy again: changed rows are "
        "replaced and rows the source no longer has are removed (never events: the target's "
        "log must be a prefix of the source's)",
    )
    args = parser.parse_args(argv)
    sqlite_default = os.environ.get("CONVERGE_DB_PATH") or str(
        Path(os.environ.get("CONVERGE_HOME", ".converge")) / "state.db"
    )
    dsn_default = os.environ.get("CONVERGE_PG_DSN", "")
    if args.reverse:
        args.source = args.source or dsn_default
        args.target = args.target or sqlite_default
        args.dsn, args.path = args.source, args.target
    else:
        args.source = args.source or sqlite_default
        args.target = args.target or dsn_default
        args.dsn, args.path = args.target, args.source
    if not args.dsn:
        raise BackfillError("no PostgreSQL DSN: pass it or set CONVERGE_PG_DSN", exit_code=2)
    if args.batch_size < 1:
        raise BackfillError("--batch-size must be at least 1", exit_code=2)
    if not args.reverse and not Path(args.path).is_file():
        raise BackfillError(f"source SQLite database not found: {args.path}", exit_code=2)
    return args


def setup_django(args: argparse.Namespace) -> None:
    """Django with the target as ``default`` (so the ledger verifies it) and ``source``."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "converge_site.settings"
    os.environ["CONVERGE_DB_BACKEND"] = "sqlite" if args.reverse else "postgres"
    if args.reverse:
        os.environ["CONVERGE_DB_PATH"] = str(Path(args.path).absolute())
    else:
        os.environ["CONVERGE_PG_DSN"] = args.dsn
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import psycopg
    from django.db import connections

    from converge_site.envparse import postgres_settings

    if args.reverse:
        source = postgres_settings(args.dsn)
        # one consistent snapshot of the whole source
        source.setdefault("OPTIONS", {})["isolation_level"] = psycopg.IsolationLevel.REPEATABLE_READ
    else:
        source = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(Path(args.path).absolute()),
            "OPTIONS": {"timeout": 60},
        }
    # a freshly migrated database: the rows migrations seed (the genesis chain head …), which
    # the source's rows may replace on the target
    pristine = {"ENGINE": "django.db.backends.sqlite3", "NAME": PRISTINE}
    databases = {"default": connections.settings["default"], "source": source, "pristine": pristine}
    connections.settings["pristine"] = connections.configure_settings(databases)["pristine"]
    connections.settings["source"] = connections.configure_settings(databases)["source"]


def main(argv: list[str]) -> int:
    try:
        args = parse_args(argv)
        setup_django(args)
        result = Backfill(args.batch_size, update=args.update).run(args)
    except BackfillError as exc:
        print(str(exc), file=sys.stderr)
        print(json.dumps({"error": {"message": str(exc)}}))
        return exc.exit_code
    print(json.dumps(result, indent=2))
    return 0


class Backfill:
    def __init__(self, batch_size: int, *, update: bool = False) -> None:
        from django.db import connections

        from ledger.models import Event

        self.batch_size = batch_size
        self.update = update
        # the append-only log: its rows are never replaced or removed, whatever --update says
        self.append_only: tuple[type[Model], ...] = (Event,)
        self.source = connections["source"]
        self.target = connections["default"]
        self.maps: dict[type[Model], dict[Any, Any]] = {}
        self.models: list[type[Model]] = []

    # --- the whole run ----------------------------------------------------------------------

    def run(self, args: argparse.Namespace) -> dict[str, Any]:
        from django.db import DatabaseError, IntegrityError, transaction

        from interfaces.progress import terminal_progress

        self._connect(self.source, "source", args.source)
        if args.reverse:
            folder = Path(args.path).absolute().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise BackfillError(f"cannot create the target's folder {folder}: {exc}", 2)
        self._connect(self.target, "target", args.target)
        self._migrate_target()
        started, cpu = time.monotonic(), time.process_time()
        tables: dict[str, dict[str, int]] = {}
        self.models = self._models()
        try:
            with (
                transaction.atomic(using="default"),
                transaction.atomic(using="source"),
                terminal_progress(sys.stderr) as progress,
            ):
                self._check_migrations()
                self._map_content_types(tables)
                for model in self.models:
                    tables[model._meta.db_table] = self._copy(model, progress)
                self._reset_sequences()
                chain = self._verify(tables)
        except IntegrityError as exc:
            raise BackfillError(
                f"the target holds rows that conflict with the source ({_one_line(exc)}); "
                "nothing was written: use an empty target or an earlier copy of this source"
            ) from None
        except DatabaseError as exc:
            raise BackfillError(f"database error, nothing was written: {_one_line(exc)}") from None
        seconds = time.monotonic() - started
        cpu_seconds = time.process_time() - cpu
        copied = sum(table["copied"] for table in tables.values())
        return {
            "source": _redacted(args.source),
            "target": _redacted(args.target),
            "direction": "postgres->sqlite" if args.reverse else "sqlite->postgres",
            "rows_copied": copied,
            "rows_skipped": sum(table["skipped"] for table in tables.values()),
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu_seconds, 3),
            "rows_per_second": round(copied / seconds) if seconds else 0,
            "audit_chain": chain,
            "tables": tables,
        }

    def _connect(self, connection: Any, role: str, where: str) -> None:
        from django.db import DatabaseError

        try:
            connection.ensure_connection()
        except DatabaseError as exc:
            raise BackfillError(
                f"{role} database unreachable ({_redacted(where)}): {_one_line(exc)}"
            ) from None

    def _migrate_target(self) -> None:
        from django.core.management import call_command

        call_command("migrate", database="default", interactive=False, verbosity=0)
        call_command("migrate", database="pristine", interactive=False, verbosity=0)

    def _check_migrations(self) -> None:
        from django.db.migrations.recorder import MigrationRecorder

        source = set(MigrationRecorder(self.source).applied_migrations())
        target = set(MigrationRecorder(self.target).applied_migrations())
        if missing := sorted(target - source):
            names = ", ".join(f"{app}.{name}" for app, name in missing[:5])
            raise BackfillError(
                f"the source is not migrated ({len(missing)} pending: {names}): "
                "run `converge migrate` against it first"
            )
        if newer := sorted(source - target):
            names = ", ".join(f"{app}.{name}" for app, name in newer[:5])
            raise BackfillError(f"the source has migrations this Converge lacks: {names}")

    # --- which tables, in which order ----------------------------------------------------------

    def _models(self) -> list[type[Model]]:
        """Every concrete model (many-to-many tables included), referenced ones first."""
        from django.apps import apps
        from django.contrib.auth.models import Permission
        from django.contrib.contenttypes.models import ContentType

        models = [
            model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed
            and not model._meta.proxy
            and model not in (ContentType, Permission)
        ]
        graph: dict[type[Model], set[type[Model]]] = {
            model: {
                related
                for field in model._meta.concrete_fields
                if isinstance(related := field.related_model, type)
                and related in models
                and related is not model
            }
            for model in models
        }
        try:
            return list(TopologicalSorter(graph).static_order())
        except CycleError:
            # foreign keys are checked at commit on both backends: any order is correct then
            return models

    # --- content types and permissions, by natural key -----------------------------------------

    def _map_content_types(self, tables: dict[str, dict[str, int]]) -> None:
        from django.contrib.auth.models import Permission
        from django.contrib.contenttypes.models import ContentType

        types: dict[int, int] = {}
        created = 0
        for ct_id, app_label, model in ContentType._base_manager.using("source").values_list(
            "id", "app_label", "model"
        ):
            target, made = ContentType._base_manager.using("default").get_or_create(
                app_label=app_label, model=model
            )
            types[ct_id] = target.pk
            created += made
        tables[ContentType._meta.db_table] = {
            "source_rows": len(types),
            "copied": created,
            "skipped": len(types) - created,
        }
        permissions: dict[int, int] = {}
        created = 0
        rows = Permission._base_manager.using("source").values_list(
            "id", "content_type_id", "codename", "name"
        )
        for perm_id, ct_id, codename, name in rows.iterator(chunk_size=self.batch_size):
            permission, made = Permission._base_manager.using("default").get_or_create(
                content_type_id=types[ct_id], codename=codename, defaults={"name": name}
            )
            permissions[perm_id] = permission.pk
            created += made
        tables[Permission._meta.db_table] = {
            "source_rows": len(permissions),
            "copied": created,
            "skipped": len(permissions) - created,
        }
        self.maps = {ContentType: types, Permission: permissions}

    # --- one table ---------------------------------------------------------------------------

    def _copy(self, model: type[Model], progress: Any) -> dict[str, int]:
        meta = model._meta
        fields = list(meta.concrete_fields)
        names = [field.attname for field in fields]
        pk_index = names.index(meta.pk.attname)
        remaps = [
            (index, self.maps[related])
            for index, field in enumerate(fields)
            if isinstance(related := field.related_model, type) and related in self.maps
        ]
        total = model._base_manager.using("source").count()
        progress.start(f"Copying {meta.db_table}", total)
        copied = skipped = replaced = 0
        # timestamps a migration's save() stamped are left out of "untouched"
        stamped = {
            index
            for index, field in enumerate(fields)
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        }
        seeded = {
            row[pk_index]: _comparable(row, stamped)
            for row in model._base_manager.using("pristine").values_list(*names)
        }
        # an empty table holds nothing to compare with (the usual first copy)
        empty = not model._base_manager.using("default").exists()
        for batch in self._batches(model, names, pk_index):
            rows = [self._remapped(row, remaps, meta.db_table) for row in batch]
            existing = (
                {}
                if empty
                else {
                    row[pk_index]: row
                    for row in model._base_manager.using("default")
                    .filter(pk__in=[row[pk_index] for row in rows])
                    .values_list(*names)
                }
            )
            fresh = []
            for row in rows:
                held = existing.get(row[pk_index])
                if held is None:
                    fresh.append(row)
                elif _comparable(held) == _comparable(row):
                    skipped += 1
                elif seeded.get(row[pk_index]) == _comparable(held, stamped):
                    # a row the migrations seeded, still untouched: the source's replaces it
                    self._delete(meta.db_table, meta.pk.column, row[pk_index])
                    fresh.append(row)
                elif self.update and model not in self.append_only:
                    # a row the source changed since the earlier copy
                    self._delete(meta.db_table, meta.pk.column, row[pk_index])
                    fresh.append(row)
                    replaced += 1
                else:
                    raise self._conflict(meta.db_table, row[pk_index])
            self._insert(meta.db_table, fields, fresh)
            copied += len(fresh)
            progress.advance(len(batch))
        counts = {"source_rows": total, "copied": copied - replaced, "skipped": skipped}
        if self.update:
            counts["replaced"] = replaced
            counts["removed"] = 0 if empty else self._remove_extra(model)
        return counts

    def _conflict(self, table: str, pk: Any, what: str = "other values") -> BackfillError:
        hint = "" if self.update else ", or --update for an earlier copy of this source"
        return BackfillError(
            f"the target's {table} row {pk!r} conflicts with the source ({what}); nothing was "
            f"written: use an empty target{hint}"
        )

    def _remove_extra(self, model: type[Model]) -> int:
        """(--update) Remove the target's rows the source no longer has; 0 for the log."""
        meta = model._meta
        removed = 0
        last = None
        rows = model._base_manager.using("default").order_by("pk")
        while True:
            page = rows if last is None else rows.filter(pk__gt=last)
            pks = list(page.values_list("pk", flat=True)[: self.batch_size])
            if not pks:
                return removed
            last = pks[-1]
            kept = set(
                model._base_manager.using("source").filter(pk__in=pks).values_list("pk", flat=True)
            )
            for pk in pks:
                if pk in kept:
                    continue
                if model in self.append_only:
                    raise self._conflict(meta.db_table, pk, "an event the source does not have")
                self._delete(meta.db_table, meta.pk.column, pk)
                removed += 1

    def _batches(
        self, model: type[Model], names: list[str], pk_index: int
    ) -> Iterator[list[tuple]]:
        """The source's rows in primary-key order, one batch at a time (keyset pagination)."""
        rows = model._base_manager.using("source").order_by("pk")
        last = None
        while True:
            page = rows if last is None else rows.filter(pk__gt=last)
            batch = list(page.values_list(*names)[: self.batch_size])
            if not batch:
                return
            yield batch
            last = batch[-1][pk_index]

    def _remapped(self, row: tuple, remaps: list[tuple[int, dict]], table: str) -> tuple:
        if not remaps:
            return row
        values = list(row)
        for index, mapping in remaps:
            if values[index] is not None:
                if values[index] not in mapping:
                    raise BackfillError(f"{table} refers to a missing row id {values[index]}")
                values[index] = mapping[values[index]]
        return tuple(values)

    def _insert(self, table: str, fields: list[Any], rows: list[tuple]) -> None:
        """Plain INSERTs with each field's own conversion, no save() logic (auto_now stays)."""
        if not rows:
            return
        quote = self.target.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {quote(table)} ({columns}) VALUES ({marks})"
        converters = [_converter(field, self.target) for field in fields]
        prepared = [
            [
                value if convert is None else convert(value)
                for convert, value in zip(converters, row, strict=True)
            ]
            for row in rows
        ]
        with self.target.cursor() as cursor:
            cursor.executemany(sql, prepared)

    def _delete(self, table: str, column: str, pk: Any) -> None:
        quote = self.target.ops.quote_name
        with self.target.cursor() as cursor:
            cursor.execute(f"DELETE FROM {quote(table)} WHERE {quote(column)} = %s", [pk])

    # --- after the copy ----------------------------------------------------------------------

    def _reset_sequences(self) -> None:
        from django.core.management.color import no_style

        statements = self.target.ops.sequence_reset_sql(no_style(), self.models)
        if statements:
            with self.target.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)

    def _verify(self, tables: dict[str, dict[str, int]]) -> dict[str, Any]:
        from ledger.chain import chain_verify

        for model in self.models:
            table = model._meta.db_table
            held = model._base_manager.using("default").count()
            expected = tables[table]["source_rows"]
            if held != expected:
                raise BackfillError(
                    f"row count of {table}: {expected} in the source, {held} in the target; "
                    "nothing was written (the target held rows of its own)",
                    exit_code=3,
                )
        result = chain_verify(record=False)
        if not result["valid"]:
            raise BackfillError(
                f"the audit chain does not verify on the target: {result.get('reason')}; "
                "nothing was written",
                exit_code=3,
            )
        return {
            "valid": True,
            "event_count": result["event_count"],
            "chain_hash": result["chain_hash"],
        }


def _converter(field: Any, connection: Any) -> Any:
    """The field's conversion for ``connection``, or None where the value read is already what
    the driver takes: Django's own text, integer and boolean fields (exactly those classes)."""
    from django.db import models

    plain = {
        models.CharField,
        models.TextField,
        models.IntegerField,
        models.BigIntegerField,
        models.SmallIntegerField,
        models.PositiveIntegerField,
        models.PositiveBigIntegerField,
        models.PositiveSmallIntegerField,
        models.AutoField,
        models.BigAutoField,
        models.SmallAutoField,
        models.BooleanField,
    }
    target = field.target_field if field.is_relation else field
    if type(target) in plain:
        return None
    return lambda value: field.get_db_prep_save(value, connection=connection)


def _comparable(row: tuple, leave_out: set[int] | frozenset[int] = frozenset()) -> tuple:
    return tuple(
        bytes(value) if isinstance(value, memoryview) else value
        for index, value in enumerate(row)
        if index not in leave_out
    )


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _redacted(where: str) -> str:
    """A DSN without its password."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    if "://" not in where and "=" not in where:
        return where
    try:
        parts = conninfo_to_dict(where)
    except Exception:
        return "(the given DSN)"
    if "password" in parts:
        parts["password"] = "***"
    return make_conninfo(**{key: str(value) for key, value in parts.items() if value is not None})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
