"""Shared fixtures of the GitHub App's tests: a fake GitHub API on 127.0.0.1, a real bare
repository as the remote, the App's key, and signed deliveries."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import git
from converge_core.github import signature_of
from github_app.tests.fakegithub import FakeGithub, fake_github

FIXTURES = Path("/work/shared/fixtures/github-webhooks")
SECRET = "webhook-secret"
FULL_NAME = "acme/widgets"
INSTALLATION = 4242
WEBHOOK = "/integrations/github/webhook"


def fixture_payload(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture(scope="session")
def app_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@dataclass
class Remote:
    """The repository on "GitHub": a bare repository and a work clone to push from."""

    bare: Path
    work: Path

    def sha(self, ref: str) -> str:
        return git(self.bare, "rev-parse", ref)

    def push_branch(self, branch: str, files: dict[str, str], *, base: str = "main") -> str:
        git(self.work, "checkout", "-q", "-B", branch, f"origin/{base}")
        for name, text in files.items():
            path = self.work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            git(self.work, "add", name)
        git(self.work, "commit", "-q", "-m", f"change {branch}")
        git(self.work, "push", "-q", "-f", "origin", f"{branch}:refs/heads/{branch}")
        git(self.work, "fetch", "-q", "origin")
        return self.sha(f"refs/heads/{branch}")

    def push_to(self, branch: str, files: dict[str, str]) -> str:
        """Another commit on top of ``branch`` on the remote."""
        git(self.work, "fetch", "-q", "origin")
        git(self.work, "checkout", "-q", "-B", branch, f"origin/{branch}")
        for name, text in files.items():
            path = self.work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            git(self.work, "add", name)
        git(self.work, "commit", "-q", "-m", f"more on {branch}")
        git(self.work, "push", "-q", "origin", f"{branch}:refs/heads/{branch}")
        return self.sha(f"refs/heads/{branch}")


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    bare = tmp_path / "github" / "acme" / "widgets.git"
    bare.parent.mkdir(parents=True)
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(bare), str(work))
    git(work, "checkout", "-q", "-b", "main")
    (work / "README.md").write_text("widgets\n")
    (work / "app.py").write_text("VALUE = 1\n")
    git(work, "add", "README.md", "app.py")
    git(work, "commit", "-q", "-m", "initial")
    git(work, "push", "-q", "origin", "main")
    return Remote(bare=bare, work=work)


@pytest.fixture
def github(settings: Any, tmp_path: Path, app_key: str, remote: Remote) -> Iterator[FakeGithub]:
    from django.core.cache import cache

    from intents.hooks import _load

    cache.clear()  # installation tokens of an earlier test's server
    with fake_github() as fake:
        fake.remotes[FULL_NAME] = remote.bare
        settings.CONVERGE_GITHUB_APP_ID = "777"
        settings.CONVERGE_GITHUB_APP_PRIVATE_KEY = app_key
        settings.CONVERGE_GITHUB_APP_PRIVATE_KEY_PATH = ""
        settings.CONVERGE_GITHUB_API_URL = fake.url
        settings.CONVERGE_GITHUB_WEBHOOK_SECRET = SECRET
        settings.CONVERGE_GITHUB_BACKOFF = 0.0
        settings.CONVERGE_GITHUB_RETRIES = 2
        settings.CONVERGE_REPOS_DIR = tmp_path / "mirrors"
        _load.cache_clear()
        yield fake
        _load.cache_clear()
    cache.clear()


def pr_payload(
    action: str,
    *,
    number: int,
    head_ref: str,
    head_sha: str,
    remote: Remote,
    base: str = "main",
    title: str = "Add a widget",
    body: str | None = "Widgets for everyone",
    labels: tuple[str, ...] = (),
    draft: bool = False,
    merged: bool = False,
) -> dict[str, Any]:
    payload = copy.deepcopy(fixture_payload("pull_request.opened"))
    payload["action"] = action
    payload["number"] = number
    payload["installation"] = {"id": INSTALLATION}
    repository = payload["repository"]
    repository.update(full_name=FULL_NAME, clone_url=str(remote.bare), default_branch="main")
    pull = payload["pull_request"]
    pull.update(number=number, title=title, body=body, draft=draft, merged=merged)
    pull["labels"] = [{"name": name} for name in labels]
    pull["head"].update(ref=head_ref, sha=head_sha)
    pull["head"]["repo"] = {**pull["head"]["repo"], "full_name": FULL_NAME}
    pull["base"].update(ref=base)
    pull["user"] = {**pull["user"], "login": "octocat"}
    return payload


def signed(body: bytes, secret: str = SECRET) -> str:
    return signature_of(secret, body)


@pytest.fixture
def deliver(client: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """POST a delivery as GitHub does; the work queued after commit runs (eager Celery)."""

    def post(
        event: str,
        payload: dict[str, Any] | bytes,
        *,
        delivery_id: str | None = None,
        signature: str | None = None,
    ) -> Any:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {
            "HTTP_X_GITHUB_EVENT": event,
            "HTTP_X_GITHUB_DELIVERY": delivery_id or str(uuid.uuid4()),
            "HTTP_X_HUB_SIGNATURE_256": signature if signature is not None else signed(body),
        }
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(WEBHOOK, data=body, content_type="application/json", **headers)

    return post
