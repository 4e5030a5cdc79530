"""The App's JWT and the installation-token cache."""

from __future__ import annotations

import time

import jwt
from cryptography.hazmat.primitives import serialization

from github_app import client
from github_app.tests.conftest import INSTALLATION


def test_the_app_jwt_carries_the_spec_claims(db, github, app_key):
    client.installation_token(INSTALLATION)

    request = github.sent("POST", rf"/app/installations/{INSTALLATION}/access_tokens")[0]
    token = request.headers["authorization"].removeprefix("Bearer ")
    public = serialization.load_pem_private_key(app_key.encode(), None).public_key()
    claims = jwt.decode(token, public, algorithms=["RS256"])
    now = time.time()
    assert claims["iss"] == "777"
    assert abs(claims["iat"] - (now - 60)) < 5
    assert abs(claims["exp"] - (now + 600)) < 5
    assert request.headers["x-github-api-version"] == "2022-11-28"


def test_installation_tokens_are_cached_until_shortly_before_expiry(db, github):
    first = client.installation_token(INSTALLATION)
    second = client.installation_token(INSTALLATION)
    fresh = client.installation_token(INSTALLATION, fresh=True)

    assert first == second != fresh
    assert github.tokens_granted == 2


def test_the_installation_id_falls_back_to_the_setting(settings):
    settings.CONVERGE_GITHUB_INSTALLATION_ID = "55"

    assert client.resolve_installation(None, "x", 0, -3) == 55
    assert client.resolve_installation("12") == 12
    settings.CONVERGE_GITHUB_INSTALLATION_ID = ""
    assert client.resolve_installation(None) is None
