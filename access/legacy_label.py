"""Adopting the migration history of the app's former label, ``security``.

API keys, authentication, tenancy and rate limits were first shipped as the ``security`` app.
Its tables keep their names; what moves is the bookkeeping: the rows of ``django_migrations``
and ``django_content_type`` that name the old label are renamed before migrations are planned,
so the history is not applied twice and a later app called ``security`` starts from a clean
slate.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

LEGACY_LABEL = "security"
LABEL = "access"
# the migrations and models the old label shipped, all of which now belong to this app
LEGACY_MIGRATIONS = ("0001_initial",)
LEGACY_MODELS = ("apikey",)


def legacy_label_adopt(connection: BaseDatabaseWrapper) -> bool:
    """Rename the old label's rows once; returns whether anything was renamed."""
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return False
    migrations = recorder.migration_qs
    if migrations.filter(app=LABEL).exists():
        return False
    renamed = migrations.filter(app=LEGACY_LABEL, name__in=LEGACY_MIGRATIONS).update(app=LABEL)
    tables = connection.introspection.table_names()
    if renamed and ContentType._meta.db_table in tables:
        ContentType.objects.db_manager(connection.alias).filter(
            app_label=LEGACY_LABEL, model__in=LEGACY_MODELS
        ).update(app_label=LABEL)
        ContentType.objects.clear_cache()
    return renamed > 0
