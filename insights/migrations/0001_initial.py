# Compliance thresholds move from the intake app to the insights app: state only, same table.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    # The table was created by the intake app's first migration; this takes it over.
    dependencies = [
        ("intake", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TenantComplianceThresholds",
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
                        ("tenant_id", models.CharField(max_length=200, unique=True)),
                        ("data", models.JSONField(default=dict)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        ("updated_by", models.CharField(default="system", max_length=200)),
                    ],
                    options={
                        "verbose_name_plural": "tenant compliance thresholds",
                        "db_table": "intake_tenantcompliancethresholds",
                        "ordering": ["tenant_id"],
                    },
                ),
            ],
        ),
    ]
