"""Queue-lock rules shared by every backend: the advisory-lock key and the lock mechanism.

A queue lock is named ``<repository>:<target>``. On PostgreSQL the ``advisory_locks`` flag
moves it from a lock row to a session advisory lock whose 64-bit key is the first eight bytes
of the MD5 of the name, read as a signed big-endian integer: stable across processes, hosts and
releases, so every worker computes the same key for the same (repository, target).
"""

from __future__ import annotations

import hashlib

OFF = "off"  # lock rows: insert or compare-and-swap takeover once the lease expired
SHADOW = "shadow"  # lock rows decide; the advisory lock is taken alongside and compared
ENFORCE = "enforce"  # advisory locks only, each held on its holder's own session
LOCK_MODES = (OFF, SHADOW, ENFORCE)


def advisory_key(name: str) -> int:
    """The advisory-lock key of a queue lock name (a signed 64-bit integer)."""
    return int.from_bytes(hashlib.md5(name.encode()).digest()[:8], "big", signed=True)


def advisory_key_parts(key: int) -> tuple[int, int]:
    """``(classid, objid)`` as ``pg_locks`` shows a single-key advisory lock (``objsubid`` 1):
    the high and low 32 bits of the key read as unsigned."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    return unsigned >> 32, unsigned & 0xFFFF_FFFF


def lock_mode(*, flag_mode: str, backend: str) -> str:
    """The mechanism in force: the flag's mode (``""`` when disabled) on PostgreSQL, else off."""
    if backend != "postgres" or not flag_mode:
        return OFF
    if flag_mode not in (SHADOW, ENFORCE):
        raise ValueError(f"unknown advisory_locks mode {flag_mode!r}")
    return flag_mode
