"""A page of the intent list in queue order is read from an index, so its cost does not grow
with the table (checked on SQLite's query plan; PostgreSQL picks by table size)."""

import pytest
from django.db import connection

from intents.selectors import intent_list


@pytest.mark.parametrize("tenant_id", [None, "acme"])
def test_the_list_page_needs_no_sort_of_the_table(db, tenant_id):
    if connection.vendor != "sqlite":
        pytest.skip("the plan asserted is SQLite's")
    sql, params = intent_list(limit=20, tenant_id=tenant_id).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = [row[3] for row in cursor.fetchall()]
    assert not any("TEMP B-TREE" in step for step in plan), plan
    assert any("intent_" in step and "order_idx" in step for step in plan), plan
