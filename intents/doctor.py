"""The doctor's queue-lock line (registered in ``CONVERGE_DOCTOR_CHECKS``)."""

from __future__ import annotations

from converge_site.doctor import Check
from intents.locks import lock_mechanism_describe


def check_queue_locks() -> Check:
    """How queue locks are taken; a warning when ``advisory_locks`` is on where it does nothing."""
    mechanism = lock_mechanism_describe()
    if mechanism["backend"] != "postgres" and mechanism["flag"] != "disabled":
        return Check(
            "queue_locks",
            "warn",
            mechanism["detail"],
            "Advisory locks need PostgreSQL (CONVERGE_DB_BACKEND=postgres); "
            "disable the advisory_locks flag on SQLite",
        )
    return Check("queue_locks", "pass", mechanism["detail"])
