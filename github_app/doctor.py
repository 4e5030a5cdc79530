"""``converge doctor``'s ``github_app`` check (``CONVERGE_DOCTOR_CHECKS``): the App's id, its
private key (readable, a valid RS256 key), an installation it can reach, the webhook secret."""

from __future__ import annotations

import time

import jwt
from django.conf import settings
from github import GithubException
from requests import RequestException

from converge_core.errors import ConvergeError
from github_app import client as github_client
from github_app.models import Installation
from interfaces.doctor import Check

NAME = "github_app"


def check_github_app() -> Check:
    secret_hint = (
        ""
        if settings.CONVERGE_GITHUB_WEBHOOK_SECRET
        else "set CONVERGE_GITHUB_WEBHOOK_SECRET to the App's webhook secret: deliveries are "
        "refused without it"
    )
    if not github_client.is_enabled():
        return Check(
            NAME,
            "pass",
            "GitHub App not configured (publishing to GitHub is off)",
            "set CONVERGE_GITHUB_APP_ID, CONVERGE_GITHUB_APP_PRIVATE_KEY_PATH and "
            "CONVERGE_GITHUB_WEBHOOK_SECRET to connect a GitHub App",
        )
    if not str(settings.CONVERGE_GITHUB_APP_ID).isdigit():
        return Check(
            NAME,
            "fail",
            f"CONVERGE_GITHUB_APP_ID={settings.CONVERGE_GITHUB_APP_ID!r} is not a number",
            "use the numeric App ID from the App's settings page",
        )
    try:
        key = github_client.private_key()
    except (github_client.GithubNotConfigured, OSError) as exc:
        return Check(
            NAME,
            "fail",
            str(exc),
            "mount the key at /secrets/github-app/private-key.pem and set "
            "CONVERGE_GITHUB_APP_PRIVATE_KEY_PATH (runbook: GitHub App private key rotation)",
        )
    try:
        now = int(time.time())
        jwt.encode(
            {"iat": now - 60, "exp": now + 600, "iss": settings.CONVERGE_GITHUB_APP_ID},
            key,
            algorithm="RS256",
        )
    except (ValueError, TypeError, jwt.PyJWTError) as exc:
        return Check(
            NAME,
            "fail",
            f"the private key is not a valid RSA key: {exc}",
            "generate a new private key in the App's settings and mount that PEM file",
        )
    installation = github_client.resolve_installation(
        Installation.objects.filter(removed_at__isnull=True)
        .values_list("installation_id", flat=True)
        .first()
    )
    if installation is None:
        return Check(
            NAME,
            "warn",
            f"App {settings.CONVERGE_GITHUB_APP_ID}: key valid, no installation known yet",
            "install the App on a repository (its installation webhook records it) or set "
            "CONVERGE_GITHUB_INSTALLATION_ID",
        )
    try:
        github_client.installation_token(installation, fresh=True)
    except (GithubException, RequestException, ConvergeError, OSError) as exc:
        return Check(
            NAME,
            "fail",
            f"installation {installation} unreachable: {exc}",
            f"check that the App is installed (installation {installation}) and that "
            f"CONVERGE_GITHUB_API_URL={settings.CONVERGE_GITHUB_API_URL} is reachable",
        )
    detail = (
        f"App {settings.CONVERGE_GITHUB_APP_ID}: key valid, installation {installation} reachable"
    )
    if secret_hint:
        return Check(NAME, "warn", detail + "; no webhook secret", secret_hint)
    return Check(NAME, "pass", detail)
