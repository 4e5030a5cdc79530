"""Runbook compatibility: ``from converge import event_log; event_log.init()``.

``init()`` sets Django up and checks that the database answers and is migrated, raising a
clear error otherwise.
"""

from __future__ import annotations

import os


def init() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "converge_site.settings")
    import django

    django.setup()
    from interfaces.dbready import ensure_database_ready

    ensure_database_ready()
