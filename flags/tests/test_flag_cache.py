"""Outside a transaction a process keeps the overrides a few seconds; its own change is seen
at once; inside a transaction the database is always read."""

import pytest
from django.db import transaction

from flags.models import FlagOverride
from flags.selectors import flag_is_enabled, flag_overrides_invalidate
from flags.services import flag_set


@pytest.fixture
def fresh_cache():
    flag_overrides_invalidate()
    yield
    flag_overrides_invalidate()


@pytest.mark.django_db(transaction=True)
def test_another_writer_is_seen_once_the_cache_expires(settings, fresh_cache):
    settings.CONVERGE_FLAG_CACHE_SECONDS = 3600
    assert flag_is_enabled("notifications") is False
    # a write by another process: this one keeps its copy until it expires
    FlagOverride.objects.create(name="notifications", enabled=True, set_at="2026-01-01T00:00Z")
    assert flag_is_enabled("notifications") is False
    settings.CONVERGE_FLAG_CACHE_SECONDS = 0
    assert flag_is_enabled("notifications") is True


@pytest.mark.django_db(transaction=True)
def test_this_process_sees_its_own_change_at_once(settings, fresh_cache):
    settings.CONVERGE_FLAG_CACHE_SECONDS = 3600
    assert flag_is_enabled("notifications") is False
    flag_set(name="notifications", enabled=True, actor="ops")
    assert flag_is_enabled("notifications") is True


@pytest.mark.django_db(transaction=True)
def test_a_transaction_reads_the_database(settings, fresh_cache):
    settings.CONVERGE_FLAG_CACHE_SECONDS = 3600
    assert flag_is_enabled("notifications") is False
    FlagOverride.objects.create(name="notifications", enabled=True, set_at="2026-01-01T00:00Z")
    with transaction.atomic():
        assert flag_is_enabled("notifications") is True
