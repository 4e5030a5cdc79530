"""The git engine for a stored repository, one instance per path and process."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings

from converge_core.git import GitRepository
from intents.models import Repository


@lru_cache(maxsize=64)
def _open(path: str, name: str, email: str) -> GitRepository:
    return GitRepository(path, committer_name=name, committer_email=email)


def git_for(repository: Repository) -> GitRepository:
    name, email = settings.CONVERGE_GIT_COMMITTER
    return _open(repository.path, name, email)
