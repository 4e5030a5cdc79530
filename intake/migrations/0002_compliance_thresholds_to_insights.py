# Compliance thresholds now belong to the insights app: the table stays, only the state moves.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0001_initial"),
        ("insights", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name="TenantComplianceThresholds",
                ),
            ],
        ),
    ]
