"""LLM providers of the review advisor: the null provider (default), Anthropic and OpenAI.

A provider answers one prompt with text; the real ones speak the vendors' HTTP APIs with the
configured key. Without a key (or with ``CONVERGE_LLM_PROVIDER=null``) the null provider is
used, which is never available, so nothing is asked and nothing is recorded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

from converge_core.advisor import MAX_OUTPUT_TOKENS


class ProviderError(Exception):
    """The provider could not answer (network, HTTP status or an unexpected body)."""


class AdvisorProvider(Protocol):
    @property
    def name(self) -> str: ...

    def is_available(self) -> bool: ...

    def complete(self, system: str, prompt: str) -> str: ...


class NullProvider:
    name = "null"

    def is_available(self) -> bool:
        return False

    def complete(self, system: str, prompt: str) -> str:
        return ""


def _post_json(
    url: str, body: Mapping[str, Any], headers: Mapping[str, str], timeout: float
) -> Any:
    # imported here: only a call to a provider needs HTTP, not every importer of the reviews
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise ProviderError(f"HTTP {exc.code} from {exc.url}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ProviderError(str(getattr(exc, "reason", exc))) from None


@dataclass(frozen=True)
class AnthropicProvider:
    api_key: str
    model: str = "claude-sonnet-4-20250514"
    url: str = "https://api.anthropic.com/v1/messages"
    timeout: float = 60.0
    name: str = "anthropic"

    def is_available(self) -> bool:
        return bool(self.api_key)

    def complete(self, system: str, prompt: str) -> str:
        data = _post_json(
            self.url,
            {
                "model": self.model,
                "max_tokens": MAX_OUTPUT_TOKENS,
                "system": system,
                "messages": [{"role": "user", "content": prompt}],
            },
            {"x-api-key": self.api_key, "anthropic-version": "2023-06-01"},
            self.timeout,
        )
        try:
            return "".join(
                block["text"] for block in data["content"] if block.get("type") == "text"
            )
        except (KeyError, TypeError) as exc:
            raise ProviderError(f"unexpected answer: missing {exc}") from None


@dataclass(frozen=True)
class OpenAIProvider:
    api_key: str
    model: str = "gpt-4o"
    url: str = "https://api.openai.com/v1/chat/completions"
    timeout: float = 60.0
    name: str = "openai"

    def is_available(self) -> bool:
        return bool(self.api_key)

    def complete(self, system: str, prompt: str) -> str:
        data = _post_json(
            self.url,
            {
                "model": self.model,
                "max_tokens": MAX_OUTPUT_TOKENS,
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": prompt},
                ],
            },
            {"Authorization": f"Bearer {self.api_key}"},
            self.timeout,
        )
        try:
            return str(data["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError) as exc:
            raise ProviderError(f"unexpected answer: missing {exc}") from None


def configured_provider() -> AdvisorProvider:
    """The provider named by ``CONVERGE_LLM_PROVIDER``; the null provider without a key."""
    name, key, model = (
        settings.CONVERGE_LLM_PROVIDER,
        settings.CONVERGE_LLM_API_KEY,
        settings.CONVERGE_LLM_MODEL,
    )
    if not key:
        return NullProvider()
    if name == "anthropic":
        return AnthropicProvider(api_key=key, model=model or AnthropicProvider.model)
    if name == "openai":
        return OpenAIProvider(api_key=key, model=model or OpenAIProvider.model)
    return NullProvider()
