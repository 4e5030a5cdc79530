"""Fixtures of the worker tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from intents.tests.worker_helpers import REDIS_URL


@pytest.fixture
def redis_broker() -> Iterator[dict[str, str]]:
    """Broker variables for a Redis database and key prefix of this test alone; afterwards its
    keys, and only its keys, are deleted."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (scripts/ensure-services starts it)")
    prefix = f"converge-test-{uuid.uuid4().hex[:12]}:"
    yield {"CONVERGE_BROKER_URL": REDIS_URL, "CONVERGE_BROKER_KEY_PREFIX": prefix}
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()
