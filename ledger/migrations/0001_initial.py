# The event log moves from the intents app to the ledger app: state only, same tables.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    # The tables were created by the intents app's migrations; this takes them over.
    dependencies = [
        ("intents", "0005_archaeology_snapshot"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ChainHead",
                    fields=[
                        (
                            "name",
                            models.CharField(
                                default="main", max_length=32, primary_key=True, serialize=False
                            ),
                        ),
                        ("last_seq", models.BigIntegerField(default=0)),
                        ("last_hash", models.CharField(max_length=64)),
                        ("event_count", models.BigIntegerField(default=0)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "db_table": "intents_chainhead",
                    },
                ),
                migrations.CreateModel(
                    name="PruneCheckpoint",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("created_at", models.DateTimeField()),
                        ("before", models.DateTimeField()),
                        ("removed", models.PositiveIntegerField()),
                        ("last_pruned_seq", models.BigIntegerField()),
                        ("last_pruned_hash", models.CharField(max_length=64)),
                        ("intent_rows", models.JSONField(default=dict)),
                    ],
                    options={
                        "db_table": "intents_prunecheckpoint",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="ChainSeal",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("seq", models.BigIntegerField()),
                        ("event_id", models.CharField(max_length=12)),
                        ("kind", models.CharField(max_length=16)),
                        ("stored_hash", models.CharField(blank=True, max_length=64)),
                        ("computed_hash", models.CharField(blank=True, max_length=64)),
                        ("fingerprint", models.CharField(max_length=64)),
                        ("reseal_event_id", models.CharField(max_length=12)),
                        ("resealed_at", models.DateTimeField()),
                    ],
                    options={
                        "db_table": "intents_chainseal",
                        "ordering": ["seq"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("seq", "kind"), name="chainseal_unique_seq_kind"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Event",
                    fields=[
                        ("id", models.CharField(max_length=12, primary_key=True, serialize=False)),
                        ("seq", models.BigIntegerField(unique=True)),
                        ("trace_id", models.CharField(max_length=100)),
                        ("timestamp", models.DateTimeField()),
                        ("event_type", models.CharField(max_length=64)),
                        ("intent_id", models.CharField(blank=True, max_length=200, null=True)),
                        ("agent_id", models.CharField(blank=True, max_length=200, null=True)),
                        ("tenant_id", models.CharField(blank=True, max_length=200, null=True)),
                        ("payload", models.JSONField(default=dict)),
                        ("evidence", models.JSONField(default=dict)),
                        ("prev_hash", models.CharField(blank=True, max_length=64, null=True)),
                        ("hash", models.CharField(blank=True, max_length=64, null=True)),
                    ],
                    options={
                        "db_table": "intents_event",
                        "ordering": ["-seq"],
                        "indexes": [
                            models.Index(
                                fields=["intent_id", "event_type", "seq"],
                                name="event_intent_type_seq",
                            ),
                            models.Index(
                                fields=["event_type", "timestamp"], name="event_type_time"
                            ),
                            models.Index(fields=["tenant_id", "seq"], name="event_tenant_seq"),
                            models.Index(fields=["agent_id"], name="event_agent"),
                            models.Index(fields=["timestamp"], name="event_timestamp"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="PruneGap",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("first_seq", models.BigIntegerField(unique=True)),
                        ("last_seq", models.BigIntegerField()),
                        ("prev_hash", models.CharField(max_length=64)),
                        ("last_hash", models.CharField(max_length=64)),
                        (
                            "checkpoint",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="gaps",
                                to="ledger.prunecheckpoint",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "intents_prunegap",
                        "ordering": ["first_seq"],
                    },
                ),
            ],
        ),
    ]
