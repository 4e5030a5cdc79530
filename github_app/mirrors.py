"""Bare mirrors of GitHub repositories under ``CONVERGE_REPOS_DIR``, fetched by the worker.

A webhook that says something moved fetches just that (a pull request's ``refs/pull/N/head``,
its source and target branches, a merge group's head); a slow safety fetch takes every branch
of the mirrors with active intents. The installation token goes to git per command, through
``GIT_CONFIG_*`` variables of that process: it is never written to the mirror's config nor shown
on a command line. A ``clone_url`` that is a local path or a ``file://`` URL is fetched as is.
"""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from converge_core.errors import OperationFailed
from github_app import client as github_client
from github_app.models import GithubRepository
from intents.models import Repository

FETCH_TIMEOUT = 300


class FetchFailed(OperationFailed):
    code = "github_fetch_failed"


def mirror_path(full_name: str) -> Path:
    owner, name = full_name.split("/", 1)
    return Path(settings.CONVERGE_REPOS_DIR) / owner / f"{name}.git"


def _is_local(clone_url: str) -> bool:
    return clone_url.startswith("file://") or clone_url.startswith("/")


def mirror_resolve(
    *, full_name: str, clone_url: str, default_branch: str, installation_id: int | None
) -> GithubRepository:
    """The repository of ``full_name`` with its mirror, created (``git init --bare``) on first
    use; the clone URL, default branch and installation follow the latest delivery."""
    found = GithubRepository.objects.select_related("repository").filter(full_name=full_name)
    mirror = found.first()
    if mirror is None:
        path = mirror_path(full_name)
        _init_bare(path, default_branch)
        try:
            with transaction.atomic():
                repository, _ = Repository.objects.get_or_create(
                    path=str(path),
                    defaults={"name": full_name, "default_branch": default_branch, "is_bare": True},
                )
                mirror = GithubRepository.objects.create(
                    repository=repository,
                    full_name=full_name,
                    clone_url=clone_url,
                    default_branch=default_branch,
                    installation_id=installation_id,
                )
        except IntegrityError:  # another delivery of the same repository won the race
            mirror = GithubRepository.objects.select_related("repository").get(full_name=full_name)
    changed = {
        name: value
        for name, value in (
            ("clone_url", clone_url),
            ("default_branch", default_branch),
            ("installation_id", installation_id),
        )
        if value is not None and getattr(mirror, name) != value
    }
    if changed:
        GithubRepository.objects.filter(pk=mirror.pk).update(**changed)
        for name, value in changed.items():
            setattr(mirror, name, value)
    return mirror


def _init_bare(path: Path, default_branch: str) -> None:
    if (path / "HEAD").exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["git", "init", "-q", "--bare", f"--initial-branch={default_branch}", str(path)],
        check=True,
        capture_output=True,
    )


def _auth_env(mirror: GithubRepository) -> dict[str, str]:
    """The token as an extra HTTP header of this one git process (never stored)."""
    if _is_local(mirror.clone_url) or not github_client.is_enabled():
        return {}
    installation_id = github_client.resolve_installation(mirror.installation_id)
    if installation_id is None:
        return {}
    token = github_client.installation_token(installation_id)
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
    }


def mirror_fetch(mirror: GithubRepository, refs: Sequence[str] | None = None) -> None:
    """Fetch ``refs`` (full ref names, each to the same name) from GitHub into the mirror, or
    every branch when ``refs`` is None. A ref the remote no longer has is skipped."""
    path = Path(mirror.repository.path)
    _init_bare(path, mirror.default_branch)
    url = mirror.clone_url
    if url.startswith("/"):
        url = Path(url).as_uri()
    refspecs = (
        ["+refs/heads/*:refs/heads/*"]
        if refs is None
        else [f"+{ref}:{ref}" for ref in dict.fromkeys(refs)]
    )
    env = {
        **os.environ,
        "LC_ALL": "C",
        "GIT_TERMINAL_PROMPT": "0",
        **_auth_env(mirror),
    }
    available = _remote_refs(path, url, env) if refs is not None else None
    if available is not None:
        refspecs = [spec for spec in refspecs if spec.split(":", 1)[1] in available]
        if not refspecs:
            return
    completed = subprocess.run(
        ["git", "fetch", "--quiet", "--no-tags", "--", url, *refspecs],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        timeout=FETCH_TIMEOUT,
    )
    if completed.returncode != 0:
        raise FetchFailed(
            f"fetching {mirror.full_name} failed: {completed.stderr.strip()[-500:]}",
            repository=mirror.full_name,
        )
    GithubRepository.objects.filter(pk=mirror.pk).update(last_fetched_at=timezone.now())


def _remote_refs(path: Path, url: str, env: dict[str, str]) -> set[str]:
    completed = subprocess.run(
        ["git", "ls-remote", "--", url],
        cwd=path,
        env=env,
        capture_output=True,
        text=True,
        timeout=FETCH_TIMEOUT,
    )
    if completed.returncode != 0:
        raise FetchFailed(
            f"listing {mirror_name(path)} failed: {completed.stderr.strip()[-500:]}",
        )
    return {line.split("\t", 1)[1] for line in completed.stdout.splitlines() if "\t" in line}


def mirror_name(path: Path) -> str:
    return f"{path.parent.name}/{path.name.removesuffix('.git')}"
