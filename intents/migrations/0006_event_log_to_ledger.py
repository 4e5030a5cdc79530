# The event log now belongs to the ledger app: its tables stay, only the state moves.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("intents", "0005_archaeology_snapshot"),
        ("ledger", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name="ChainHead",
                ),
                migrations.DeleteModel(
                    name="ChainSeal",
                ),
                migrations.DeleteModel(
                    name="Event",
                ),
                migrations.RemoveField(
                    model_name="prunegap",
                    name="checkpoint",
                ),
                migrations.DeleteModel(
                    name="PruneCheckpoint",
                ),
                migrations.DeleteModel(
                    name="PruneGap",
                ),
            ],
        ),
    ]
