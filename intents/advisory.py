"""PostgreSQL advisory queue locks, each held on a database session of its own.

A session advisory lock belongs to the session that took it. Taken on a pooled connection it
would be released, or leaked, with whatever that connection did next, so the holder opens a
dedicated psycopg connection per lock, takes ``pg_try_advisory_lock(key)`` on it and keeps it
open for the lock's life. Releasing unlocks and closes it; a holder that dies takes its
session, and with it the lock. The session's ``application_name`` names the holder, so
``pg_stat_activity`` tells who holds what. No other session can release the lock: an operator
stops the holder instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from django.db import OperationalError, connection
from django.utils import timezone

from converge_core.locks import advisory_key, advisory_key_parts

APPLICATION_PREFIX = "converge lock "
APPLICATION_NAME_LIMIT = 63  # PostgreSQL truncates longer names (NAMEDATALEN - 1)
# Keys of the connection parameters that configure Django's cursors, not the session.
DJANGO_ONLY_PARAMS = ("cursor_factory", "context")


@dataclass
class AdvisoryLease:
    """One advisory lock and the session that holds it, in the process that took it."""

    name: str
    key: int
    holder: str
    session: psycopg.Connection[Any]
    pid: int
    acquired_at: datetime

    def is_held(self) -> bool:
        """The session is alive and still holds the lock."""
        classid, objid = advisory_key_parts(self.key)
        try:
            row = self.session.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid() AND classid::bigint = %s AND objid::bigint = %s"
                " AND objsubid = 1",
                (classid, objid),
            ).fetchone()
        except psycopg.Error:
            return False
        return bool(row and row[0])

    def close(self) -> None:
        """Unlock and end the session (ending it would release the lock anyway)."""
        try:
            if not self.session.closed:
                self.session.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        except psycopg.Error:
            pass
        finally:
            self.session.close()


_leases: dict[tuple[str, str], AdvisoryLease] = {}
_leases_guard = threading.Lock()  # the threads pool runs several tasks in one process


def _open_session(holder: str) -> psycopg.Connection[Any]:
    """A new session on the database Django uses (same server, user and TLS options)."""
    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in DJANGO_ONLY_PARAMS
    }
    params["application_name"] = (APPLICATION_PREFIX + holder)[:APPLICATION_NAME_LIMIT]
    try:
        return psycopg.connect(**params, autocommit=True)
    except psycopg.OperationalError as exc:  # the tasks' retry policy knows Django's error
        raise OperationalError(str(exc)) from exc


def advisory_acquire(name: str, holder: str) -> AdvisoryLease | None:
    """Take the advisory lock of ``name`` for ``holder`` on a session of its own; ``None``
    when another session holds it. Taking a lock the holder already has returns its lease."""
    with _leases_guard:
        lease = _leases.get((name, holder))
    if lease is not None:
        if lease.is_held():
            return lease
        advisory_release(name, holder)
    key = advisory_key(name)
    session = _open_session(holder)
    try:
        taken, pid = session.execute(
            "SELECT pg_try_advisory_lock(%s), pg_backend_pid()", (key,)
        ).fetchone() or (False, 0)
    except psycopg.Error as exc:
        session.close()
        raise OperationalError(str(exc)) from exc
    if not taken:
        session.close()
        return None
    lease = AdvisoryLease(name, key, holder, session, pid, timezone.now())
    with _leases_guard:
        _leases[(name, holder)] = lease
    return lease


def advisory_lease(name: str, holder: str) -> AdvisoryLease | None:
    """This process's lease of ``name`` for ``holder``, if it took one."""
    with _leases_guard:
        return _leases.get((name, holder))


def advisory_release(name: str, holder: str) -> bool:
    """Release the lock ``holder`` took in this process; ``False`` if it held none."""
    with _leases_guard:
        lease = _leases.pop((name, holder), None)
    if lease is None:
        return False
    held = lease.is_held()
    lease.close()
    return held


@dataclass(frozen=True)
class AdvisoryHolder:
    """The session holding an advisory queue lock, as ``pg_stat_activity`` shows it."""

    name: str
    holder: str  # from the session's application_name
    pid: int
    application_name: str
    client_addr: str | None
    session_started_at: datetime | None  # the session is opened for the lock: when it was taken


def advisory_holders(names: Iterable[str]) -> dict[str, AdvisoryHolder]:
    """Who holds the advisory lock of each of ``names`` now, from ``pg_locks`` joined with
    ``pg_stat_activity`` (any process, any host; a session whose activity is not visible is
    named by its backend pid)."""
    by_parts = {advisory_key_parts(advisory_key(name)): name for name in names}
    if not by_parts:
        return {}
    with connection.cursor() as cursor:
        # Inside a transaction pg_stat_activity is a snapshot taken at its first read: drop it
        # so sessions opened since are seen.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT l.classid::bigint, l.objid::bigint, l.pid, a.application_name,"
            " a.client_addr::text, a.backend_start"
            " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        rows = cursor.fetchall()
    holders: dict[str, AdvisoryHolder] = {}
    for classid, objid, pid, application, address, started in rows:
        name = by_parts.get((classid, objid))
        if name is None:
            continue
        application = application or ""
        if application.startswith(APPLICATION_PREFIX):
            holder = application.removeprefix(APPLICATION_PREFIX)
        else:  # not a Converge session, or one whose name was not visible to us
            holder = application or f"backend {pid}"
        holders[name] = AdvisoryHolder(name, holder, pid, application, address, started)
    return holders
