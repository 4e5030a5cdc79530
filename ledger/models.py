"""The append-only, hash-chained event log and its chain state.

The tables keep the names they were created with (``intents_*``): the log moved into its
own app without touching the data.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from ledger.immutability import EventQuerySet, ImmutableEventError, event_writes_allowed


class Event(models.Model):
    """One immutable entry of the append-only, hash-chained event log.

    ``seq`` is the storage order assigned under the chain-head lock; ``prev_hash``/``hash``
    chain each row to the one before it. Rows are never updated or deleted, except that a
    NULL hash may be filled in and the prune service may delete (see ``immutability``).
    """

    id = models.CharField(max_length=12, primary_key=True)
    seq = models.BigIntegerField(unique=True)
    trace_id = models.CharField(max_length=100)
    timestamp = models.DateTimeField()
    event_type = models.CharField(max_length=64)
    intent_id = models.CharField(max_length=200, null=True, blank=True)
    agent_id = models.CharField(max_length=200, null=True, blank=True)
    tenant_id = models.CharField(max_length=200, null=True, blank=True)
    payload = models.JSONField(default=dict)
    evidence = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64, null=True, blank=True)
    hash = models.CharField(max_length=64, null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        db_table = "intents_event"
        ordering = ["-seq"]
        indexes = [
            # "the latest X of an intent"
            models.Index(fields=["intent_id", "event_type", "seq"], name="event_intent_type_seq"),
            # type feeds over a time window (projections, recent lists)
            models.Index(fields=["event_type", "timestamp"], name="event_type_time"),
            # tenant-scoped feeds
            models.Index(fields=["tenant_id", "seq"], name="event_tenant_seq"),
            # agent feeds, newest first; a prefix of actors (``admin:``) too: on PostgreSQL the
            # pattern operator class serves LIKE 'prefix%' as well as equality
            models.Index(
                fields=["agent_id", "seq"],
                name="event_agent_seq",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            # the console's search by trace
            models.Index(fields=["trace_id"], name="event_trace"),
            # retention: events older than a cut-off
            models.Index(fields=["timestamp"], name="event_timestamp"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event_type} {self.id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and not event_writes_allowed():
            raise ImmutableEventError("events are append-only: an existing event is never saved")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableEventError("events are append-only: use the audit prune service")


class ChainHead(models.Model):
    """The head of the audit chain: updated in the same transaction as every append.

    Locking this row serialises appends; comparing it with the last event detects a
    truncated tail.
    """

    name = models.CharField(max_length=32, primary_key=True, default="main")
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    event_count = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "intents_chainhead"

    def __str__(self) -> str:
        return f"chain {self.name} @ {self.last_seq}"


class ChainSeal(models.Model):
    """A break in the chain that ``audit init-chain`` resealed: accepted, never hidden.

    Verification accepts a broken row only while it still looks exactly as it did when it was
    sealed, so a second tampering of the same row is detected again.
    """

    seq = models.BigIntegerField()
    event_id = models.CharField(max_length=12)
    kind = models.CharField(max_length=16)  # "hash", "link" or "tail"
    stored_hash = models.CharField(max_length=64, blank=True)
    computed_hash = models.CharField(max_length=64, blank=True)
    fingerprint = models.CharField(max_length=64)  # of the row as it was when sealed
    reseal_event_id = models.CharField(max_length=12)
    resealed_at = models.DateTimeField()

    class Meta:
        db_table = "intents_chainseal"
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["seq", "kind"], name="chainseal_unique_seq_kind")
        ]

    def __str__(self) -> str:
        return f"seal #{self.seq} ({self.kind})"


class PruneCheckpoint(models.Model):
    """What ``audit prune`` removed: enough to verify across the gaps and rebuild intents."""

    created_at = models.DateTimeField()
    before = models.DateTimeField()
    removed = models.PositiveIntegerField()
    last_pruned_seq = models.BigIntegerField()
    last_pruned_hash = models.CharField(max_length=64)
    intent_rows = models.JSONField(default=dict)  # intent id -> final serialised intent

    class Meta:
        db_table = "intents_prunecheckpoint"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"prune of {self.removed} events before {self.before:%Y-%m-%d}"


class PruneGap(models.Model):
    """A run of consecutive sequence numbers removed by a prune, with its boundary hashes."""

    checkpoint = models.ForeignKey(PruneCheckpoint, on_delete=models.CASCADE, related_name="gaps")
    first_seq = models.BigIntegerField(unique=True)
    last_seq = models.BigIntegerField()
    prev_hash = models.CharField(max_length=64)  # prev_hash of the first removed row
    last_hash = models.CharField(max_length=64)  # hash of the last removed row

    class Meta:
        db_table = "intents_prunegap"
        ordering = ["first_seq"]

    def __str__(self) -> str:
        return f"gap {self.first_seq}..{self.last_seq}"
