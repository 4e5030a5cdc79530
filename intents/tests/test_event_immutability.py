import pytest
from django.db import DatabaseError, connection, transaction

from ledger.append import UnknownEventType, event_append
from ledger.immutability import ImmutableEventError
from ledger.models import ChainHead, Event


def test_existing_events_cannot_be_saved(db):
    event = event_append(event_type="worker.started", payload={"pid": 1})
    event.payload = {"pid": 2}
    with pytest.raises(ImmutableEventError):
        event.save()
    assert Event.objects.get(pk=event.pk).payload == {"pid": 1}


def test_queryset_update_and_delete_are_refused(db):
    event_append(event_type="worker.started")
    with pytest.raises(ImmutableEventError):
        Event.objects.update(event_type="worker.stopped")
    with pytest.raises(ImmutableEventError):
        Event.objects.all().delete()
    with pytest.raises(ImmutableEventError):
        Event.objects.get().delete()
    assert Event.objects.get().event_type == "worker.started"


def test_unknown_event_types_are_refused(db):
    with pytest.raises(UnknownEventType):
        event_append(event_type="intent.exploded")


def test_appends_chain_and_advance_the_head(db):
    first = event_append(event_type="worker.started")
    second = event_append(event_type="worker.stopped", payload={"cycles": 0})
    assert (first.seq, second.seq) == (first.seq, first.seq + 1)
    assert second.prev_hash == first.hash
    head = ChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (second.seq, second.hash)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger")
def test_the_database_refuses_raw_updates_and_deletes(db):
    event = event_append(event_type="worker.started")
    for statement in (
        "UPDATE intents_event SET event_type = 'worker.stopped' WHERE id = %s",
        "DELETE FROM intents_event WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [event.id])
    assert Event.objects.get(pk=event.pk).event_type == "worker.started"
