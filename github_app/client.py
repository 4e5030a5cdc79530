"""Talking to GitHub's REST API with PyGithub: the App's JWT, installation tokens and clients.

The App authenticates with an RS256 JWT made from its private key
(``CONVERGE_GITHUB_APP_PRIVATE_KEY_PATH``, else ``CONVERGE_GITHUB_APP_PRIVATE_KEY``) and trades
it for an installation token, cached in the shared cache until shortly before it expires, so
every worker reuses it. Calls retry with back-off on 5xx, 429 and rate limits
(``CONVERGE_GITHUB_RETRIES``, ``CONVERGE_GITHUB_BACKOFF``; ``Retry-After`` honoured).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from github import Auth, Github, GithubIntegration, GithubRetry

from converge_core.errors import ConvergeError

API_VERSION = "2022-11-28"
USER_AGENT = "Converge"
TOKEN_MARGIN_SECONDS = 60  # a token with less left than this is refreshed
TOKEN_CACHE_PREFIX = "github:installation-token:"
JWT_EXPIRY_SECONDS = 600  # interfaces §5.4: exp = now + 600
JWT_ISSUED_AT_OFFSET = -60  # iat = now − 60, for clock drift


class GithubNotConfigured(ConvergeError):
    code = "github_not_configured"


def is_enabled() -> bool:
    """Publishing and merging on GitHub need the App's id (interfaces §5.4)."""
    return bool(settings.CONVERGE_GITHUB_APP_ID)


def private_key() -> str:
    path = settings.CONVERGE_GITHUB_APP_PRIVATE_KEY_PATH
    if path and Path(path).is_file():
        return Path(path).read_text()
    if settings.CONVERGE_GITHUB_APP_PRIVATE_KEY:
        return str(settings.CONVERGE_GITHUB_APP_PRIVATE_KEY).replace("\\n", "\n")
    raise GithubNotConfigured("GitHub App private key not configured")


def retry_policy() -> GithubRetry:
    return GithubRetry(
        total=settings.CONVERGE_GITHUB_RETRIES,
        backoff_factor=settings.CONVERGE_GITHUB_BACKOFF,
        status_forcelist=[429, *range(500, 600)],
        allowed_methods=frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"}),
        secondary_rate_wait=settings.CONVERGE_GITHUB_BACKOFF * 30,
        raise_on_status=False,
    )


def _common() -> dict[str, object]:
    return {
        "base_url": settings.CONVERGE_GITHUB_API_URL,
        "user_agent": USER_AGENT,
        "retry": retry_policy(),
        "seconds_between_requests": None,
        "seconds_between_writes": None,
        "timeout": 15,
    }


def integration() -> GithubIntegration:
    """The App itself (JWT auth): installation tokens, installation lookups."""
    if not is_enabled():
        raise GithubNotConfigured("CONVERGE_GITHUB_APP_ID is not set")
    auth = Auth.AppAuth(
        int(settings.CONVERGE_GITHUB_APP_ID),
        private_key(),
        jwt_expiry=JWT_EXPIRY_SECONDS,
        jwt_issued_at=JWT_ISSUED_AT_OFFSET,
    )
    return GithubIntegration(auth=auth, api_version=API_VERSION, **_common())  # type: ignore[arg-type]


def installation_token(installation_id: int, *, fresh: bool = False) -> str:
    """A token of the installation, from the shared cache while it has a minute left."""
    key = f"{TOKEN_CACHE_PREFIX}{installation_id}"
    if not fresh:
        cached = cache.get(key)
        if cached:
            return str(cached)
    granted = integration().get_access_token(installation_id)
    remaining = (granted.expires_at - datetime.now(UTC)).total_seconds()
    if remaining > TOKEN_MARGIN_SECONDS:
        cache.set(key, granted.token, timeout=int(remaining - TOKEN_MARGIN_SECONDS))
    return granted.token


def forget_token(installation_id: int) -> None:
    cache.delete(f"{TOKEN_CACHE_PREFIX}{installation_id}")


def client(installation_id: int) -> Github:
    """A client acting as the installation."""
    token = installation_token(installation_id)
    return Github(
        auth=Auth.Token(token),
        lazy=True,
        api_version=API_VERSION,
        **_common(),  # type: ignore[arg-type]
    )


def resolve_installation(*candidates: object) -> int | None:
    """The first positive integer among the candidates, then ``CONVERGE_GITHUB_INSTALLATION_ID``
    (interfaces §5.4: non-numeric or non-positive values are ignored)."""
    for value in (*candidates, settings.CONVERGE_GITHUB_INSTALLATION_ID):
        if isinstance(value, bool):
            continue
        try:
            number = int(str(value))
        except (TypeError, ValueError):
            continue
        if number > 0:
            return number
    return None
