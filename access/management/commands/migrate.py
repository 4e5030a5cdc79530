"""``migrate`` that first adopts the history of this app's former label (see legacy_label)."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections, transaction

from access.legacy_label import legacy_label_adopt


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        with transaction.atomic(using=connection.alias):
            legacy_label_adopt(connection)
        super().handle(*args, **options)
