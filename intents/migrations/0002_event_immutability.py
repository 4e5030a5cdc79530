"""Seed the chain head and, on PostgreSQL, forbid changing events at the database level.

The trigger allows only two things besides INSERT: filling in a missing hash (``prev_hash``
and ``hash`` going from NULL to a value with every other column unchanged) and deletes made
by the prune service, which sets the transaction-local ``converge.pruning`` to ``on``.
"""

from django.db import migrations

GENESIS = "0" * 64

CREATE_TRIGGER = """
CREATE OR REPLACE FUNCTION converge_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF current_setting('converge.pruning', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'converge: events are append-only (delete refused)';
    END IF;
    IF OLD.hash IS NULL AND NEW.hash IS NOT NULL
       AND (OLD.prev_hash IS NULL OR OLD.prev_hash = NEW.prev_hash)
       AND NEW.id = OLD.id AND NEW.seq = OLD.seq AND NEW.trace_id = OLD.trace_id
       AND NEW.timestamp = OLD.timestamp AND NEW.event_type = OLD.event_type
       AND NEW.intent_id IS NOT DISTINCT FROM OLD.intent_id
       AND NEW.agent_id IS NOT DISTINCT FROM OLD.agent_id
       AND NEW.tenant_id IS NOT DISTINCT FROM OLD.tenant_id
       AND NEW.payload = OLD.payload AND NEW.evidence = OLD.evidence THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'converge: events are append-only (update refused)';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS intents_event_append_only ON intents_event;
CREATE TRIGGER intents_event_append_only
    BEFORE UPDATE OR DELETE ON intents_event
    FOR EACH ROW EXECUTE FUNCTION converge_events_append_only();
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS intents_event_append_only ON intents_event;
DROP FUNCTION IF EXISTS converge_events_append_only();
"""


def seed_head(apps, schema_editor):
    ChainHead = apps.get_model("intents", "ChainHead")
    heads = ChainHead.objects.using(schema_editor.connection.alias)
    heads.get_or_create(name="main", defaults={"last_hash": GENESIS})


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("intents", "0001_initial")]

    operations = [
        migrations.RunPython(seed_head, migrations.RunPython.noop),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
