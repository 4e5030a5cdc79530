"""The errors that mean the database was briefly unreachable or busy (retry, blame nobody)."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

TRANSIENT_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
