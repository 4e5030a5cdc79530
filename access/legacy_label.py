"""Adopting the migration history of the app's former label, ``security``.

API keys, authentication, tenancy and rate limits were first shipped as the ``security`` app.
Its tables keep their names; what moves is the bookkeeping: the rows of ``django_migrations``
and ``django_content_type`` that name the old label are renamed before migrations are planned,
so the history is not applied twice and a later app called ``security`` starts from a clean
slate.
"""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper

LEGACY_LABEL = "security"
LABEL = "access"
# the migrations and models the old label shipped, all of which now belong to this app
LEGACY_MIGRATIONS = ("0001_initial",)
LEGACY_MODELS = ("apikey",)


def legacy_label_adopt(connection: BaseDatabaseWrapper) -> bool:
    """Rename the old label's rows once; returns whether anything was renamed."""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        if "django_migrations" not in tables:
            return False
        cursor.execute("SELECT COUNT(*) FROM django_migrations WHERE app = %s", [LABEL])
        if cursor.fetchone()[0]:
            return False
        placeholders = ", ".join(["%s"] * len(LEGACY_MIGRATIONS))
        cursor.execute(
            f"UPDATE django_migrations SET app = %s WHERE app = %s AND name IN ({placeholders})",
            [LABEL, LEGACY_LABEL, *LEGACY_MIGRATIONS],
        )
        renamed = cursor.rowcount > 0
        if renamed and "django_content_type" in tables:
            placeholders = ", ".join(["%s"] * len(LEGACY_MODELS))
            cursor.execute(
                "UPDATE django_content_type SET app_label = %s "
                f"WHERE app_label = %s AND model IN ({placeholders})",
                [LABEL, LEGACY_LABEL, *LEGACY_MODELS],
            )
    return renamed
