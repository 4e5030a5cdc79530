"""Finding the repository an intent belongs to and recording it on first use."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction

from converge_core.errors import Conflict, InvalidInput, NotFound
from intents.cleaning import clean_label, clean_ref
from intents.models import Repository
from ledger.append import event_append


def _git(cwd: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"}
    )
    if completed.returncode != 0:
        raise InvalidInput(
            f"Not a git repository: {cwd} (use --repo or set CONVERGE_REPO_PATH)", field="repo"
        )
    return completed.stdout.strip()


def locate_repository(path: str | os.PathLike[str] | None = None) -> tuple[Path, bool, str]:
    """Return ``(root, is_bare, default_branch)`` for ``path``, the setting, or the cwd."""
    start = Path(path or settings.CONVERGE_REPO_PATH or os.getcwd()).expanduser().absolute()
    if not start.is_dir():
        raise InvalidInput(f"Repository path does not exist: {start}", field="repo")
    is_bare, git_dir = _git(start, "rev-parse", "--is-bare-repository", "--absolute-git-dir").split(
        "\n"
    )
    bare = is_bare == "true"
    root = Path(git_dir) if bare else Path(_git(start, "rev-parse", "--show-toplevel"))
    head = subprocess.run(
        ["git", "symbolic-ref", "--quiet", "--short", "HEAD"],
        cwd=root,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return root.resolve(), bare, head or "main"


def repository_resolve(path: str | os.PathLike[str] | None = None) -> Repository:
    """The :class:`Repository` row of a path, created on first use with a unique name."""
    root, bare, default_branch = locate_repository(path)
    existing = Repository.objects.filter(path=str(root)).first()
    if existing is not None:
        return existing
    base_name = root.name.removesuffix(".git") or "repository"
    for attempt in range(1, 100):
        name = base_name if attempt == 1 else f"{base_name}-{attempt}"
        if Repository.objects.filter(name=name).exists():
            continue
        try:
            with transaction.atomic():
                return Repository.objects.create(
                    name=name, path=str(root), default_branch=default_branch, is_bare=bare
                )
        except IntegrityError:
            # Another process recorded the same path (or took the name) first.
            existing = Repository.objects.filter(path=str(root)).first()
            if existing is not None:
                return existing
    raise InvalidInput(f"Could not name repository {root}")


def repository_update(
    *, repository_id: int, name: str, default_branch: str, actor: str
) -> Repository:
    """An operator's change of a repository's name or default branch, recorded as
    ``repository.updated`` with the diff (the path and kind follow the checkout itself)."""
    cleaned = {
        "name": clean_label(name, "name"),
        "default_branch": clean_ref(default_branch, "default_branch"),
    }
    if cleaned["name"] is None:
        raise InvalidInput("name is required", field="name")
    with transaction.atomic():
        repository = Repository.objects.select_for_update().filter(pk=repository_id).first()
        if repository is None:
            raise NotFound(f"Repository {repository_id} not found")
        changes = {
            field: {"from": getattr(repository, field), "to": value}
            for field, value in cleaned.items()
            if getattr(repository, field) != value
        }
        if not changes:
            return repository
        if "name" in changes and Repository.objects.filter(name=cleaned["name"]).exists():
            raise Conflict(f"Repository name {cleaned['name']!r} is taken", field="name")
        for field, change in changes.items():
            setattr(repository, field, change["to"])
        repository.save(update_fields=list(changes))
        event_append(
            event_type="repository.updated",
            agent_id=actor,
            payload={
                "repository": repository.name,
                "path": repository.path,
                "changes": changes,
                "actor": actor,
            },
        )
    return repository
