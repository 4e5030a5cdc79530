import pytest

from access import ratelimit
from access.ratelimit import seconds_until_room
from conftest import OTHER_TENANT, TENANT, api_client

NOW = 1_800_000_000.0  # a window boundary: 1_800_000_000 is a multiple of 60


@pytest.fixture
def frozen(monkeypatch):
    clock = {"now": NOW + 10}
    monkeypatch.setattr(ratelimit, "_clock", lambda: clock["now"])
    return clock


def test_the_121st_request_of_a_minute_is_refused_with_the_headers(db, frozen, api_key):
    client = api_client(api_key("viewer"))
    for n in range(120):
        response = client.get("/v1/auth/whoami")
        assert response.status_code == 200, n
    assert response["X-RateLimit-Limit"] == "120"
    assert response["X-RateLimit-Remaining"] == "0"
    refused = client.get("/v1/auth/whoami")
    assert refused.status_code == 429
    assert refused.json() == {
        "error": {
            "code": "rate_limit_exceeded",
            "message": "Rate limit exceeded (120 requests/min)",
        }
    }
    assert refused["X-RateLimit-Limit"] == "120"
    assert refused["X-RateLimit-Remaining"] == "0"
    assert refused["X-RateLimit-Reset"] == "50"
    assert int(refused["Retry-After"]) >= 50
    # the whole tenant shares the budget, another tenant does not
    assert api_client(api_key("operator")).get("/v1/auth/whoami").status_code == 429
    other = api_client(api_key("viewer", tenant=OTHER_TENANT))
    assert other.get("/v1/auth/whoami").status_code == 200


def test_exempt_paths_are_never_limited(db, frozen, settings):
    settings.CONVERGE_RATE_LIMIT_RPM = 2
    client = api_client()
    for _ in range(5):
        for path in ("/health", "/health/live", "/health/ready", "/metrics"):
            response = client.get(path)
            assert response.status_code == 200 and "X-RateLimit-Limit" not in response
    preflight = client.options(
        "/v1/intents", HTTP_ORIGIN="https://x", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert "X-RateLimit-Limit" not in preflight


def test_a_spoofed_tenant_header_changes_nothing(db, frozen, settings, api_key):
    settings.CONVERGE_RATE_LIMIT_RPM = 3
    client = api_client(api_key("viewer"))
    statuses = [
        client.get("/v1/intents", HTTP_X_TENANT_ID=f"spoof-{n}").status_code for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    victim = api_client(api_key("viewer", tenant=OTHER_TENANT))
    for _ in range(3):
        assert victim.get("/v1/intents", HTTP_X_TENANT_ID=TENANT).status_code == 200


def test_unauthenticated_and_unbound_callers_have_their_own_buckets(db, frozen, settings, api_key):
    settings.CONVERGE_RATE_LIMIT_RPM = 2
    anonymous = api_client()
    assert [anonymous.get("/v1/intents").status_code for _ in range(3)] == [401, 401, 429]
    elsewhere = api_client().get("/v1/intents", REMOTE_ADDR="10.9.9.9")
    assert elsewhere.status_code == 401
    unbound = api_client(api_key("admin", tenant=None))
    assert [unbound.get("/v1/intents").status_code for _ in range(3)] == [200, 200, 429]


def test_the_window_slides(db, frozen, settings, api_key):
    settings.CONVERGE_RATE_LIMIT_RPM = 4
    client = api_client(api_key("viewer"))
    assert [client.get("/v1/intents").status_code for _ in range(5)][-1] == 429
    frozen["now"] = NOW + 60 + 30  # half of the previous window still counts: 4 * 0.5 = 2
    assert [client.get("/v1/intents").status_code for _ in range(3)] == [200, 200, 429]
    frozen["now"] = NOW + 180
    assert client.get("/v1/intents").status_code == 200


def test_refused_requests_are_counted_in_metrics_without_key_material(db, frozen, settings):
    settings.CONVERGE_RATE_LIMIT_RPM = 1
    client = api_client("some-unknown-key")
    client.get("/v1/intents")
    client.get("/v1/intents")
    text = api_client().get("/metrics").content.decode()
    assert 'converge_rate_limit_throttled_total{tenant="anonymous"}' in text
    assert "converge_rate_limit_throttled_global " in text
    assert 'converge_http_requests_total{method="GET",path="/v1/intents",status="429"}' in text
    assert "some" not in text.replace("some_", "")


def test_the_limiter_can_be_switched_off(db, frozen, settings):
    settings.CONVERGE_RATE_LIMIT_ENABLED = False
    settings.CONVERGE_RATE_LIMIT_RPM = 1
    assert [api_client().get("/v1/intents").status_code for _ in range(3)] == [401, 401, 401]


def test_a_cache_outage_lets_requests_through(db, frozen, monkeypatch, api_viewer):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(ratelimit.cache, "get_many", broken)
    assert api_viewer.get("/v1/intents").status_code == 200


@pytest.mark.parametrize(
    ("prev", "cur", "elapsed", "limit", "wait"),
    [
        (0, 120, 10, 120, 50 + 0.5),  # all in this window: it must roll over and slide a bit
        (120, 0, 0, 120, 0.5),  # the previous window must slide out to 119 of 120
        (60, 90, 0, 120, 60 - 29 * 60 / 60),
    ],
)
def test_retry_after_is_when_the_window_has_room_again(prev, cur, elapsed, limit, wait):
    assert seconds_until_room(prev, cur, elapsed, limit) == pytest.approx(wait)
