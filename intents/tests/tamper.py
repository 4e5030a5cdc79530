"""Editing the event table behind the service's back, as an attacker or a bad restore would."""

from __future__ import annotations

from typing import Any

from django.db import connection


def raw_sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Superuser only: disables the append-only trigger for this session.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(statement, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def edit_payload(event_id: str, payload_json: str) -> None:
    raw_sql("UPDATE intents_event SET payload = %s WHERE id = %s", [payload_json, event_id])


def delete_event(event_id: str) -> None:
    raw_sql("DELETE FROM intents_event WHERE id = %s", [event_id])
