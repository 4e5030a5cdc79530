"""The console in a real browser (the system Chromium driven by Playwright) against a live
server: what an on-call operator does, each act checked on the page and in the event log,
and a view-only account refused."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from ledger.models import Event
from tests.console_seed import CONFLICT, PASSWORD, operator, seed, viewer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None,
        reason=f"{CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while the browser is open;
    # the tests' own ORM calls (and the database teardown) are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def console(live_server, transactional_db) -> Any:
    seeded = seed()
    operator()
    viewer()
    return seeded


def signed_in(browser: Any, base: str, username: str) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    return page


def confirm(page: Any, reason: str) -> None:
    page.fill("#id_reason", reason)
    page.click("input[name=_confirm]")


def last_event(event_type: str) -> Event:
    event = Event.objects.filter(event_type=event_type).order_by("-seq").first()
    assert event is not None, event_type
    return event


def test_the_dashboard_shows_the_queue_and_the_blocked_intent_explains_itself(
    browser, live_server, console
):
    page = signed_in(browser, live_server.url, "ops")
    row = page.locator(".queue-row[data-intent=blocked-1]")
    assert CONFLICT in row.locator(".queue-reason").inner_text()
    assert page.locator("#queue-total").inner_text() == "3"
    row.locator("a").click()
    assert page.locator("#intent-reason").inner_text() == CONFLICT
    gates = page.locator("#intent-gates tr.gate-failed td").all_inner_texts()
    assert gates[:3] == ["containment", "NO", "0.31"]
    assert "app/config.py" in page.locator("#intent-conflicts").inner_text()
    page.close()


def test_an_operator_approves_a_review(browser, live_server, console):
    page = signed_in(browser, live_server.url, "ops")
    page.goto(f"{live_server.url}/admin/reviews/reviewtask/")
    page.check(f"input[name=_selected_action][value='{console.review.pk}']")
    page.select_option("select[name=action]", "complete")
    page.select_option("select[name=resolution]", "approved")
    page.click("button[name=index]")
    assert "Completed 1 review(s)." in page.locator("ul.messagelist").inner_text()
    event = last_event("review.completed")
    assert (event.agent_id, event.payload["resolution"]) == ("admin:ops", "approved")
    page.close()


def test_an_operator_pauses_and_reopens_intake_with_a_reason(browser, live_server, console):
    page = signed_in(browser, live_server.url, "ops")
    page.goto(f"{live_server.url}/admin/intake/intakeoverride/")
    page.fill("#id_tenant_id", "acme")
    page.select_option("#id_mode", "pause")
    page.fill("#id_reason", "incident 42")
    page.click("#intake-mode-form input[type=submit]")
    confirm(page, "incident 42: stop new work")
    assert "Intake of acme set to pause." in page.locator("ul.messagelist").inner_text()
    assert page.locator(".intake-row[data-tenant=acme] .intake-mode").inner_text() == "pause"
    paused = last_event("intake.mode_changed")
    assert (paused.agent_id, paused.payload["reason"]) == (
        "admin:ops",
        "incident 42: stop new work",
    )
    page.fill("#id_tenant_id", "acme")
    page.select_option("#id_mode", "open")
    page.fill("#id_reason", "incident over")
    page.click("#intake-mode-form input[type=submit]")
    assert page.locator(".intake-row[data-tenant=acme] .intake-mode").inner_text() == "open"
    assert last_event("intake.mode_changed").payload["reason"] == "incident over"
    page.close()


def test_an_operator_disables_a_flag_with_a_reason(browser, live_server, console):
    page = signed_in(browser, live_server.url, "ops")
    page.goto(f"{live_server.url}/admin/flags/flagoverride/")
    page.click("#flag-notifications button[value=disable]")
    confirm(page, "webhook endpoint is down")
    assert "disabled" in page.locator("#flag-notifications").inner_text()
    event = last_event("feature_flag.changed")
    assert (event.agent_id, event.payload["enabled"], event.payload["reason"]) == (
        "admin:ops",
        False,
        "webhook endpoint is down",
    )
    page.close()


def test_an_operator_releases_a_stale_lock_from_the_dashboard(browser, live_server, console):
    page = signed_in(browser, live_server.url, "ops")
    stale = page.locator(f".lock-row[data-lock='{console.lock.name}']")
    assert "no worker heartbeat" in stale.inner_text() and "(expired)" in stale.inner_text()
    stale.locator("button").click()
    confirm(page, "the worker on gone-host died")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert "No queue lock is held." in page.locator("#section-queue-locks").inner_text()
    event = last_event("queue.lock_released")
    assert (event.agent_id, event.payload["reason"]) == (
        "admin:ops",
        "the worker on gone-host died",
    )
    assert "admin:ops" in page.locator("#section-latest-operator-events").inner_text()
    page.close()


def test_a_view_only_account_can_look_but_change_nothing(browser, live_server, console):
    page = signed_in(browser, live_server.url, "viewer")
    assert page.locator(".queue-row[data-intent=blocked-1]").count() == 1
    assert page.locator(".lock-row button").count() == 0
    page.goto(f"{live_server.url}/admin/intents/intent/blocked-1/change/")
    assert page.locator("#intent-reason").inner_text() == CONFLICT
    assert page.locator("#intent-actions").count() == 0
    page.goto(f"{live_server.url}/admin/flags/flagoverride/")
    assert page.locator("#flag-notifications button").count() == 0
    token = page.context.cookies()
    csrf = next(cookie["value"] for cookie in token if cookie["name"] == "csrftoken")
    refused = page.request.post(
        f"{live_server.url}/admin/flags/flagoverride/toggle/",
        form={"flag": "notifications", "operation": "disable", "confirmed": "yes", "reason": "x"},
        headers={"X-CSRFToken": csrf, "Referer": f"{live_server.url}/admin/"},
    )
    assert refused.status == 403 and "403 Forbidden" in refused.text()
    assert not Event.objects.filter(agent_id="admin:viewer").exists()
    page.close()
