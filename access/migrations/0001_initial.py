from django.conf import settings
from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations, models
import django.db.models.deletion
import django.utils.timezone


def create_cache_table(apps, schema_editor):
    # The database cache is the shared store of the rate limiter whenever no Redis is
    # configured; creating its table here makes `converge migrate` the only set-up step.
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, settings.CONVERGE_CACHE_TABLE, False)


def drop_cache_table(apps, schema_editor):
    table = schema_editor.connection.ops.quote_name(settings.CONVERGE_CACHE_TABLE)
    schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="ApiKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key_hash", models.CharField(max_length=64, unique=True)),
                ("key_prefix", models.CharField(max_length=4)),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("viewer", "Viewer"),
                            ("operator", "Operator"),
                            ("admin", "Admin"),
                        ],
                        max_length=16,
                    ),
                ),
                ("actor", models.CharField(max_length=200)),
                ("tenant", models.CharField(blank=True, max_length=200, null=True)),
                ("scopes", models.JSONField(blank=True, null=True)),
                (
                    "source",
                    models.CharField(
                        choices=[("env", "Env"), ("rotation", "Rotation")], max_length=16
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "rotated_from",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="access.apikey",
                    ),
                ),
            ],
            options={
                "db_table": "security_apikey",
                "verbose_name": "API key",
                "ordering": ["-created_at"],
                "indexes": [models.Index(fields=["key_prefix"], name="apikey_prefix_idx")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("role__in", ["viewer", "operator", "admin"])),
                        name="apikey_role_valid",
                    )
                ],
            },
        ),
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
