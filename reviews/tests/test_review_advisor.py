"""The LLM review advisor: off by default, advisory, recorded, rate limited."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from intents.tests.factories import IntentFactory
from ledger.append import event_append
from ledger.models import Event
from notifications.tests.server import recording_server
from reviews import advisor
from reviews.providers import (
    AnthropicProvider,
    NullProvider,
    OpenAIProvider,
    ProviderError,
    configured_provider,
)
from reviews.services import review_request
from reviews.tasks import review_analyze_task

ANSWER = json.dumps(
    {
        "summary": "Touches the billing API",
        "risk_highlights": ["no tests"],
        "suggested_focus_areas": ["api.py"],
        "confidence": 0.8,
    }
)


class FakeProvider:
    name = "fake"

    def __init__(self, answer=ANSWER, error=None):
        self.answer, self.error, self.prompts = answer, error, []

    def is_available(self):
        return True

    def complete(self, system, prompt):
        self.prompts.append(prompt)
        if self.error:
            raise ProviderError(self.error)
        return self.answer


@pytest.fixture
def provider(monkeypatch):
    fake = FakeProvider()
    monkeypatch.setattr(advisor, "advisor_provider", lambda: fake)
    cache.delete(advisor._RATE_KEY)
    yield fake
    cache.delete(advisor._RATE_KEY)


def _analyses():
    return list(
        Event.objects.filter(event_type__startswith="review.analysis").values_list(
            "event_type", "payload"
        )
    )


def test_off_by_default_nothing_is_asked(db, provider, django_capture_on_commit_callbacks):
    IntentFactory(id="i-1")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        review_request(intent_id="i-1", actor="ops")
    assert callbacks == [] and provider.prompts == [] and _analyses() == []


def test_with_the_flag_on_a_request_is_analysed_after_commit(
    db, provider, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("CONVERGE_FF_LLM_REVIEW_ADVISOR", "1")
    IntentFactory(id="i-1")
    event_append(
        event_type="risk.evaluated", intent_id="i-1", payload={"risk_score": 61.0, "bombs": []}
    )
    event_append(
        event_type="simulation.completed",
        intent_id="i-1",
        payload={"mergeable": True, "files_changed": ["api.py"]},
    )
    with django_capture_on_commit_callbacks(execute=True):
        task = review_request(intent_id="i-1", actor="ops")
    assert '"risk_score": 61.0' in provider.prompts[0] and "api.py" in provider.prompts[0]
    assert _analyses() == [
        (
            "review.analysis_generated",
            {
                "summary": "Touches the billing API",
                "risk_highlights": ["no tests"],
                "suggested_focus_areas": ["api.py"],
                "confidence": 0.8,
                "provider": "fake",
                "mode": "shadow",
                "task_id": task.id,
            },
        )
    ]
    assert Event.objects.get(event_type="review.analysis_generated").intent_id == "i-1"


def test_a_provider_failure_is_recorded_not_raised(db, provider, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_LLM_REVIEW_ADVISOR", "1")
    provider.error = "HTTP 529"
    IntentFactory(id="i-1")
    task = review_request(intent_id="i-1", actor="ops")
    assert advisor.review_analyze(task_id=task.id) is None
    assert _analyses() == [
        ("review.analysis_failed", {"error": "HTTP 529", "provider": "fake", "task_id": task.id})
    ]


def test_the_rate_limit_stops_calls(db, provider, monkeypatch, settings):
    monkeypatch.setenv("CONVERGE_FF_LLM_REVIEW_ADVISOR", "1")
    settings.CONVERGE_LLM_RATE_LIMIT = 2
    IntentFactory(id="i-1")
    tasks = [review_request(intent_id="i-1", actor="ops", force=True) for _ in range(3)]
    results = [advisor.review_analyze(task_id=task.id) for task in tasks]
    assert [result is not None for result in results] == [True, True, False]
    assert len(provider.prompts) == 2


def test_a_task_is_analysed_once_whatever_the_reruns(db, provider, monkeypatch):
    monkeypatch.setenv("CONVERGE_FF_LLM_REVIEW_ADVISOR", "1")
    IntentFactory(id="i-1")
    task = review_request(intent_id="i-1", actor="ops")
    assert review_analyze_task.delay(task.id).get() is not None
    assert review_analyze_task.delay(task.id).get() is None
    assert len(provider.prompts) == 1 and len(_analyses()) == 1


def test_the_null_provider_is_the_default_and_never_available(db, monkeypatch, settings):
    monkeypatch.setenv("CONVERGE_FF_LLM_REVIEW_ADVISOR", "1")
    assert isinstance(configured_provider(), NullProvider)
    settings.CONVERGE_LLM_PROVIDER = "anthropic"
    assert isinstance(configured_provider(), NullProvider)  # no key
    settings.CONVERGE_LLM_API_KEY = "k"
    assert configured_provider() == AnthropicProvider(api_key="k")
    settings.CONVERGE_LLM_PROVIDER, settings.CONVERGE_LLM_MODEL = "openai", "gpt-4o-mini"
    assert configured_provider() == OpenAIProvider(api_key="k", model="gpt-4o-mini")
    assert advisor.advisor_status()["status"] == "pass"
    settings.CONVERGE_LLM_API_KEY = ""
    assert advisor.advisor_status()["status"] == "warn"
    IntentFactory(id="i-1")
    task = review_request(intent_id="i-1", actor="ops")
    assert advisor.review_analyze(task_id=task.id) is None and _analyses() == []


def test_the_anthropic_provider_speaks_the_messages_api():
    reply = {"content": [{"type": "text", "text": ANSWER}]}
    with recording_server(reply=reply) as server:
        provider = AnthropicProvider(api_key="secret", url=f"{server.url}/v1/messages")
        assert provider.complete("system text", "prompt text") == ANSWER
    request = server.received[0]
    assert request.headers["x-api-key"] == "secret"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.json == {
        "model": "claude-sonnet-4-20250514",
        "max_tokens": 1024,
        "system": "system text",
        "messages": [{"role": "user", "content": "prompt text"}],
    }


def test_the_openai_provider_speaks_chat_completions_and_errors_are_provider_errors():
    reply = {"choices": [{"message": {"content": ANSWER}}]}
    with recording_server(reply=reply) as server:
        provider = OpenAIProvider(api_key="secret", url=server.url)
        assert provider.complete("s", "p") == ANSWER
    assert server.received[0].headers["authorization"] == "Bearer secret"
    assert server.received[0].json["messages"][0] == {"role": "system", "content": "s"}
    with (
        recording_server(statuses=[500]) as server,
        pytest.raises(ProviderError, match="HTTP 500"),
    ):
        OpenAIProvider(api_key="k", url=server.url).complete("s", "p")
    with (
        recording_server(reply={"unexpected": True}) as server,
        pytest.raises(ProviderError, match="unexpected answer"),
    ):
        OpenAIProvider(api_key="k", url=server.url).complete("s", "p")


def test_an_old_rate_window_entry_no_longer_counts(db, provider, monkeypatch, settings):
    monkeypatch.setenv("CONVERGE_FF_LLM_REVIEW_ADVISOR", "1")
    settings.CONVERGE_LLM_RATE_LIMIT = 1
    hour_ago = (timezone.now() - timedelta(seconds=3601)).timestamp()
    cache.set(advisor._RATE_KEY, [hour_ago], 3600)
    IntentFactory(id="i-1")
    task = review_request(intent_id="i-1", actor="ops")
    assert advisor.review_analyze(task_id=task.id) is not None
