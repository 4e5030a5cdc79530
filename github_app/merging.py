"""Merging pull requests through GitHub (``CONVERGE_MERGE_EXECUTORS``).

For a repository mirrored from GitHub the queue never moves a ref of the mirror: it asks
GitHub to merge the pull request (``PUT /repos/{o}/{r}/pulls/{n}/merge``) pinned to the head
SHA it validated, with ``CONVERGE_GITHUB_MERGE_METHOD``, once it has checked that the base
branch still points where it was validated. A head or base that moved meanwhile is fetched
and revalidated, not merged. Where the branch requires GitHub's own merge queue, Converge gates
(check-runs on merge groups) and leaves the merging to GitHub.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from github import GithubException
from requests import RequestException

from converge_core.errors import ConvergeError
from converge_core.hooks import MERGE_DEFERRED, MERGE_FAILED, MERGED, MergeOutcome, MergeRequest
from github_app import client as github_client
from github_app.models import GithubRepository

logger = logging.getLogger(__name__)

RULES_CACHE_PREFIX = "github:merge-queue:"
RULES_CACHE_SECONDS = 300


def _refresh_later(full_name: str, refs: list[str]) -> None:
    def enqueue() -> None:
        from github_app.tasks import mirror_refresh_task  # tasks import this module

        mirror_refresh_task.delay(full_name, refs)

    transaction.on_commit(enqueue)


def _uses_merge_queue(gh: Any, full_name: str, branch: str) -> bool:
    """Whether the rules of ``branch`` include a merge queue (``GET /rules/branches/…``),
    remembered for a few minutes: the queue asks on every pass over a waiting intent."""
    key = f"{RULES_CACHE_PREFIX}{full_name}:{branch}"
    known = cache.get(key)
    if known is not None:
        return bool(known)
    answer = _ask_merge_queue(gh, full_name, branch)
    cache.set(key, answer, timeout=RULES_CACHE_SECONDS)
    return answer


def _ask_merge_queue(gh: Any, full_name: str, branch: str) -> bool:
    try:
        _, rules = gh.requester.requestJsonAndCheck(
            "GET", f"/repos/{full_name}/rules/branches/{branch}"
        )
    except GithubException as exc:
        if exc.status == 404:
            return False
        raise
    return any(isinstance(rule, dict) and rule.get("type") == "merge_queue" for rule in rules or ())


def merge_pull_request(request: MergeRequest) -> MergeOutcome | None:
    """Merge a pull request's intent on GitHub; None for repositories not from GitHub."""
    mirror = GithubRepository.objects.filter(repository__name=request.repository).first()
    if mirror is None:
        return None
    number = request.technical.get("pr_number")
    if not number:
        return MergeOutcome(MERGE_DEFERRED, "only pull requests are merged, and only on GitHub")
    installation_id = github_client.resolve_installation(
        request.technical.get("installation_id"), mirror.installation_id
    )
    if not github_client.is_enabled() or installation_id is None:
        return MergeOutcome(MERGE_DEFERRED, "the GitHub App is not configured: nothing merged")
    refs = [f"refs/heads/{request.target}", _source_ref(request)]
    try:
        gh = github_client.client(installation_id)
        if _uses_merge_queue(gh, mirror.full_name, request.target):
            return MergeOutcome(
                MERGE_DEFERRED, f"{request.target} requires GitHub's merge queue, which merges it"
            )
        repo = gh.get_repo(mirror.full_name)
        base_sha = repo.get_branch(request.target).commit.sha
        if base_sha != request.target_sha:
            _refresh_later(mirror.full_name, refs)
            return MergeOutcome(
                MERGE_DEFERRED,
                f"{request.target} moved to {base_sha[:12]} since validation: revalidating",
            )
        pull = repo.get_pull(int(number))
        if pull.merged:  # merged on GitHub meanwhile (its close webhook may still be on the way)
            return MergeOutcome(MERGED, sha=pull.merge_commit_sha)
        if pull.head.sha != request.source_sha:
            _refresh_later(mirror.full_name, refs)
            return MergeOutcome(MERGE_DEFERRED, "the pull request has a new head: revalidating")
        status = pull.merge(
            sha=request.source_sha, merge_method=settings.CONVERGE_GITHUB_MERGE_METHOD
        )
    except GithubException as exc:
        message = _message(exc)
        if exc.status == 409:  # the head moved between our check and the merge
            _refresh_later(mirror.full_name, refs)
            return MergeOutcome(MERGE_DEFERRED, f"GitHub refused the merge: {message}")
        if exc.status in (403, 405, 422):
            return MergeOutcome(MERGE_FAILED, f"GitHub refused the merge: {message}")
        return MergeOutcome(MERGE_DEFERRED, f"GitHub could not be asked to merge: {message}")
    except (RequestException, ConvergeError, OSError) as exc:
        return MergeOutcome(MERGE_DEFERRED, f"GitHub could not be asked to merge: {exc}")
    if not status.merged:
        return MergeOutcome(MERGE_FAILED, f"GitHub did not merge: {status.message}")
    _refresh_later(mirror.full_name, [f"refs/heads/{request.target}"])
    return MergeOutcome(MERGED, sha=status.sha)


def _source_ref(request: MergeRequest) -> str:
    source = request.source
    return f"refs/{source}" if source.startswith("pull/") else f"refs/heads/{source}"


def _message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    return str(data.get("message") or exc.status)
