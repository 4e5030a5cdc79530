"""The hook lists are loaded once, typed by their protocols, and a wrong entry is a clear
configuration error naming its setting."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from intents.hooks import _load, after_decision_hooks, policy_gates, queue_holds
from reviews.holds import review_holds

NOT_CALLABLE = {"a": "mapping"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    _load.cache_clear()
    yield
    _load.cache_clear()


def test_the_configured_hooks_are_loaded_in_order(settings):
    settings.CONVERGE_QUEUE_HOLDS = ["reviews.holds.review_holds"]
    settings.CONVERGE_POLICY_GATES = []

    assert queue_holds() == [review_holds]
    assert policy_gates() == []


def test_a_hook_that_is_not_callable_names_the_setting(settings):
    settings.CONVERGE_QUEUE_HOLDS = [
        "reviews.holds.review_holds",
        "tests.test_hook_registries.NOT_CALLABLE",
    ]

    with pytest.raises(ImproperlyConfigured) as raised:
        queue_holds()

    assert str(raised.value) == (
        "CONVERGE_QUEUE_HOLDS: 'tests.test_hook_registries.NOT_CALLABLE' is a dict, not a callable"
    )


def test_a_hook_that_cannot_be_imported_names_the_setting(settings):
    settings.CONVERGE_AFTER_DECISION = ["notifications.hooks.no_such_hook"]

    with pytest.raises(ImproperlyConfigured) as raised:
        after_decision_hooks()

    assert str(raised.value).startswith(
        "CONVERGE_AFTER_DECISION: cannot import 'notifications.hooks.no_such_hook': "
    )


def test_the_console_hooks_are_loaded_from_their_settings(settings):
    from intents.hooks import dashboard_sections, intent_actions
    from reviews.console import review_intent_actions, reviews_section

    settings.CONVERGE_DASHBOARD_SECTIONS = ["reviews.console.reviews_section"]
    settings.CONVERGE_INTENT_ACTIONS = ["reviews.console.review_intent_actions"]

    assert dashboard_sections() == [reviews_section]
    assert intent_actions() == [review_intent_actions]
    assert [action.name for action in review_intent_actions()] == [
        "request_review",
        "release_review_hold",
    ]
