"""What each GitHub event does (interfaces §5.2 with its notes), in two steps.

``prepare`` runs first, outside any transaction: it records the repository and fetches what the
event says moved into the mirror (git and GitHub calls never hold a database transaction).
``apply`` then changes intents inside the delivery's transaction and returns the delivery's
result; validations and check-runs are queued to run once it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from converge_core.github import (
    MERGE_GROUP_ACTOR,
    LabelRules,
    PayloadInvalid,
    PullRequestFacts,
    installation_id_of,
    merge_group_facts,
    pull_request_facts,
    push_facts,
    repository_facts,
    rerequested_head_sha,
    truncate_body,
)
from converge_core.states import ACTIVE, TERMINAL, Cause, Status
from github_app.mirrors import mirror_fetch, mirror_resolve
from github_app.models import CheckRun, GithubRepository, Installation
from github_app.publishing import check_request, checks_supersede
from github_app.tenancy import tenant_for
from intents.errors import IntakeRejected
from intents.models import CommitLink, Intent
from intents.services import intent_create, intent_refresh, intent_transition
from intents.validation import after_decision

PR_ACTOR = "github-webhook"
PR_REFRESH_ACTIONS = frozenset(
    {
        "opened",
        "reopened",
        "synchronize",
        "edited",
        "labeled",
        "unlabeled",
        "ready_for_review",
        "converted_to_draft",
    }
)


@dataclass(frozen=True)
class Handler:
    prepare: Callable[[Mapping[str, Any]], Any]
    apply: Callable[[Mapping[str, Any], Any], dict[str, Any]]


def _validate_later(intent_id: str, *, force: bool = False) -> None:
    def enqueue() -> None:
        from github_app.tasks import github_intent_validate_task  # tasks import this module

        github_intent_validate_task.delay(intent_id, force)

    transaction.on_commit(enqueue)


def _validate_pending(
    *,
    full_name: str,
    head_sha: str,
    intent_id: str,
    installation_id: int | None,
    reason: str,
    supersede: bool = False,
    force: bool = False,
) -> None:
    """Show ``head_sha``'s check-run as in progress with ``reason`` (older heads' runs
    superseded when asked), then validate the intent once this transaction commits."""
    check_request(
        full_name=full_name,
        head_sha=head_sha,
        intent_id=intent_id,
        installation_id=installation_id,
        decision="pending",
        reason=reason,
        renew=force,
    )
    if supersede:
        checks_supersede(intent_id=intent_id, head_sha=head_sha)
    _validate_later(intent_id, force=force)


def _label_rules() -> LabelRules:
    return LabelRules(
        risk_prefix=settings.CONVERGE_GITHUB_RISK_LABEL_PREFIX.lower(),
        priority_prefix=settings.CONVERGE_GITHUB_PRIORITY_LABEL_PREFIX.lower(),
    )


def _mirror_of(payload: Mapping[str, Any]) -> GithubRepository:
    facts = repository_facts(payload)
    return mirror_resolve(
        full_name=facts.full_name,
        clone_url=facts.clone_url,
        default_branch=facts.default_branch,
        installation_id=installation_id_of(payload),
    )


# --- pull_request -----------------------------------------------------------------------------


def _pr_prepare(payload: Mapping[str, Any]) -> GithubRepository | None:
    action = payload.get("action")
    if action not in PR_REFRESH_ACTIONS and action != "closed":
        return None
    facts = pull_request_facts(payload)
    mirror = _mirror_of(payload)
    refs = [f"refs/heads/{facts.base_ref}"]
    if action != "closed":
        refs.append(facts.pull_ref if facts.is_fork else f"refs/heads/{facts.head_ref}")
    mirror_fetch(mirror, refs)
    return mirror


def _pr_fields(facts: PullRequestFacts, installation_id: int | None) -> dict[str, Any]:
    title = facts.title[:10_000]
    technical: dict[str, Any] = {
        "source_ref": facts.source,
        "target_ref": facts.base_ref,
        "initial_base_commit": facts.head_sha,  # the PR head, under its historical name
        "head_sha": facts.head_sha,
        "repo": facts.full_name,
        "pr_number": facts.number,
        "author": facts.author[:200],
        "draft": facts.is_draft,
        "webhook_event": "pull_request",
    }
    if installation_id is not None:
        technical["installation_id"] = installation_id
    return {
        "source": facts.source,
        "target": facts.base_ref,
        "semantic": {
            "problem_statement": title,
            "objective": truncate_body(facts.body) if facts.body else title,
        },
        "technical": technical,
        **_label_rules().apply(facts.labels),
    }


def _pr_apply(payload: Mapping[str, Any], mirror: GithubRepository | None) -> dict[str, Any]:
    action = str(payload.get("action"))
    if mirror is None:
        return {"action": "acknowledged"}
    facts = pull_request_facts(payload)
    installation_id = installation_id_of(payload) or mirror.installation_id
    existing = Intent.objects.filter(pk=facts.intent_id).first()
    if action == "closed":
        return _pr_closed(facts, existing)
    fields = _pr_fields(facts, installation_id)
    if existing is None:
        return _pr_create(facts, fields, mirror, installation_id)
    if existing.status == Status.MERGED:
        return {"intent_id": existing.id, "action": "ignored", "reason": "already_merged"}
    head_moved = (existing.technical or {}).get("head_sha") != facts.head_sha
    requeue: dict[str, Any] | None = None
    if existing.status == Status.REJECTED:
        if action != "reopened":
            return {"intent_id": existing.id, "action": "ignored", "reason": "closed"}
        requeue = {"trigger": "pr_reopened", "new_head_sha": facts.head_sha}
    elif head_moved or existing.source != facts.source or existing.target != facts.base_ref:
        requeue = {"trigger": "pr_synchronize", "new_head_sha": facts.head_sha}
    changes = {name: value for name, value in fields.items() if getattr(existing, name) != value}
    if not changes and requeue is None:
        return {"intent_id": existing.id, "action": "unchanged"}
    intent_refresh(intent_id=existing.id, changes=changes, actor=PR_ACTOR, requeue=requeue)
    if requeue is not None:
        check_request(
            full_name=facts.full_name,
            head_sha=facts.head_sha,
            intent_id=existing.id,
            installation_id=installation_id,
            decision="pending",
            reason="New head pushed, revalidating" if head_moved else "Reopened, revalidating",
        )
        checks_supersede(intent_id=existing.id, head_sha=facts.head_sha)
    _validate_later(existing.id)
    return {
        "intent_id": existing.id,
        "action": "requeued" if requeue is not None else "updated",
        "changed": sorted(changes),
    }


def _pr_create(
    facts: PullRequestFacts,
    fields: dict[str, Any],
    mirror: GithubRepository,
    installation_id: int | None,
) -> dict[str, Any]:
    data = {
        "id": facts.intent_id,
        "origin_type": "integration",
        "tenant_id": tenant_for(installation_id),
        **fields,
    }
    try:
        intent = intent_create(data=data, repository=mirror.repository, actor=facts.author[:200])
    except IntakeRejected as exc:
        check_request(
            full_name=facts.full_name,
            head_sha=facts.head_sha,
            intent_id=facts.intent_id,
            installation_id=installation_id,
            decision="intake_rejected",
            reason=exc.message,
        )
        return {
            "intent_id": facts.intent_id,
            "action": "intake_rejected",
            "mode": exc.extra.get("mode"),
            "reason": exc.message,
        }
    _validate_pending(
        full_name=facts.full_name,
        head_sha=facts.head_sha,
        intent_id=intent.id,
        installation_id=installation_id,
        reason="Validation starting",
    )
    return {"intent_id": intent.id, "action": "created"}


def _pr_closed(facts: PullRequestFacts, intent: Intent | None) -> dict[str, Any]:
    if intent is None:
        return {"intent_id": facts.intent_id, "action": "ignored", "reason": "unknown_intent"}
    decision = "merged" if facts.merged else "rejected"
    if intent.status in TERMINAL:  # merged by Converge through GitHub, or closed before
        return {"intent_id": intent.id, "action": "ignored", "reason": f"already_{decision}"}
    intent = intent_transition(
        intent_id=intent.id,
        to=Status.MERGED if facts.merged else Status.REJECTED,
        cause=Cause.EXTERNAL_CLOSE,
        event_type=f"intent.{decision}",
        payload={
            "source": intent.source,
            "target": intent.target,
            "merged": facts.merged,
            "merge_commit_sha": facts.merge_commit_sha,
            "trigger": "github_pr_closed",
        },
        agent_id=PR_ACTOR,
    )
    if facts.merged and facts.merge_commit_sha:
        CommitLink.objects.get_or_create(
            intent=intent,
            sha=facts.merge_commit_sha,
            role="merge",
            defaults={"repo": facts.full_name, "observed_at": timezone.now()},
        )
    after_decision(
        intent, {"decision": decision, "reason": "PR merged" if facts.merged else "PR closed"}
    )
    return {"intent_id": intent.id, "action": decision}


# --- push -------------------------------------------------------------------------------------


def _push_prepare(payload: Mapping[str, Any]) -> GithubRepository | None:
    facts = push_facts(payload)
    if facts.branch is None or facts.is_deleted:
        return None
    if not GithubRepository.objects.filter(full_name=facts.full_name).exists():
        return None  # no intent ever came from it: nothing to keep current
    mirror = _mirror_of(payload)
    mirror_fetch(mirror, [f"refs/heads/{facts.branch}"])
    return mirror


def _push_apply(payload: Mapping[str, Any], mirror: GithubRepository | None) -> dict[str, Any]:
    facts = push_facts(payload)
    if facts.branch is None:
        return {"action": "ignored", "reason": "not_branch_push"}
    if mirror is None:
        reason = "branch_deleted" if facts.is_deleted else "unknown_repository"
        return {"action": "ignored", "reason": reason}
    active = Intent.objects.filter(repository=mirror.repository, status__in=list(ACTIVE))
    revalidated: list[str] = []
    for intent in active.filter(source=facts.branch).order_by("id"):
        technical = dict(intent.technical or {})
        if technical.get("head_sha") == facts.after:
            continue  # its pull request's synchronize said so already
        technical.update(head_sha=facts.after, initial_base_commit=facts.after)
        intent_refresh(
            intent_id=intent.id,
            changes={"technical": technical},
            actor=PR_ACTOR,
            requeue={
                "trigger": "push_revalidation",
                "branch": facts.branch,
                "new_head_sha": facts.after,
            },
        )
        _validate_pending(
            full_name=facts.full_name,
            head_sha=facts.after,
            intent_id=intent.id,
            installation_id=technical.get("installation_id") or mirror.installation_id,
            reason="Re-push detected, revalidating",
            supersede=True,
        )
        revalidated.append(intent.id)
    # The target moved: intents waiting on it are judged again (the queue revalidates its own).
    waiting = active.filter(target=facts.branch, status__in=[Status.READY, Status.VALIDATED])
    for intent_id in waiting.exclude(pk__in=revalidated).values_list("id", flat=True):
        _validate_later(intent_id)
        revalidated.append(intent_id)
    return {"action": "push_processed", "revalidated": revalidated}


# --- merge_group ------------------------------------------------------------------------------


def _merge_group_prepare(payload: Mapping[str, Any]) -> GithubRepository | None:
    if payload.get("action") != "checks_requested":
        return None
    facts = merge_group_facts(payload)
    mirror = _mirror_of(payload)
    mirror_fetch(mirror, [facts.head_ref, f"refs/heads/{facts.target}"])
    return mirror


def _merge_group_apply(
    payload: Mapping[str, Any], mirror: GithubRepository | None
) -> dict[str, Any]:
    action = str(payload.get("action"))
    facts = merge_group_facts(payload)
    installation_id = installation_id_of(payload)
    existing = Intent.objects.filter(pk=facts.intent_id).first()
    if action == "destroyed":
        return _merge_group_destroyed(payload, existing, facts.intent_id)
    if action != "checks_requested" or mirror is None:
        return {"action": "ignored", "reason": f"unknown_merge_group_action_{action}"}
    if existing is not None:
        _validate_later(existing.id)
        return {"intent_id": existing.id, "action": "merge_group_checks_requested"}
    installation_id = installation_id or mirror.installation_id
    technical: dict[str, Any] = {
        "source_ref": facts.head_ref,
        "target_ref": facts.target,
        "initial_base_commit": facts.head_sha,
        "head_sha": facts.head_sha,
        "repo": facts.full_name,
        "merge_group_head_ref": facts.head_ref,
        "webhook_event": "merge_group",
    }
    if installation_id is not None:
        technical["installation_id"] = installation_id
    data = {
        "id": facts.intent_id,
        "source": facts.head_ref,
        "target": facts.target,
        "origin_type": "integration",
        "tenant_id": tenant_for(installation_id),
        "semantic": {
            "problem_statement": "Merge queue candidate",
            "objective": "Validate merge group before integration",
        },
        "technical": technical,
    }
    try:
        intent = intent_create(
            data=data,
            repository=mirror.repository,
            actor=MERGE_GROUP_ACTOR,
            created_event="merge_group.checks_requested",
        )
    except IntakeRejected as exc:
        check_request(
            full_name=facts.full_name,
            head_sha=facts.head_sha,
            intent_id=facts.intent_id,
            installation_id=installation_id,
            decision="intake_rejected",
            reason=exc.message,
        )
        return {"intent_id": facts.intent_id, "action": "intake_rejected", "reason": exc.message}
    _validate_pending(
        full_name=facts.full_name,
        head_sha=facts.head_sha,
        intent_id=intent.id,
        installation_id=installation_id,
        reason="Merge queue entry -- validation starting",
    )
    return {"intent_id": intent.id, "action": "merge_group_checks_requested"}


def _merge_group_destroyed(
    payload: Mapping[str, Any], intent: Intent | None, intent_id: str
) -> dict[str, Any]:
    if intent is None:
        return {"intent_id": intent_id, "action": "ignored", "reason": "unknown_intent"}
    reason = str(payload.get("reason") or "destroyed")
    if intent.status in TERMINAL:
        return {"intent_id": intent.id, "action": "ignored", "reason": "finished"}
    merged = reason == "merged"  # GitHub merged the group: not a rejection
    intent = intent_transition(
        intent_id=intent.id,
        to=Status.MERGED if merged else Status.REJECTED,
        cause=Cause.EXTERNAL_CLOSE,
        event_type="merge_group.destroyed",
        payload={
            "source": intent.source,
            "target": intent.target,
            "reason": reason,
            "trigger": "github_merge_group_destroyed",
        },
        agent_id=MERGE_GROUP_ACTOR,
    )
    after_decision(
        intent,
        {
            "decision": "merged" if merged else "rejected",
            "reason": f"Merge group destroyed: {reason}",
        },
    )
    return {"intent_id": intent.id, "action": "merge_group_destroyed", "reason": reason}


# --- check_run / check_suite rerequested ------------------------------------------------------


def _rerequest_apply(event: str, payload: Mapping[str, Any], _: Any) -> dict[str, Any]:
    if payload.get("action") != "rerequested":
        return {"action": "acknowledged"}
    full_name = repository_facts(payload).full_name
    head_sha = rerequested_head_sha(payload, event)
    rows = CheckRun.objects.filter(full_name=full_name, head_sha=head_sha)
    intent_ids = list(rows.values_list("intent_id", flat=True))
    if not intent_ids:
        links = CommitLink.objects.filter(sha=head_sha, role="head")
        intent_ids = list(links.values_list("intent_id", flat=True).distinct())
    known = list(
        Intent.objects.filter(pk__in=intent_ids, status__in=list(ACTIVE)).values_list(
            "id", flat=True
        )
    )
    for intent_id in known:
        _validate_pending(
            full_name=full_name,
            head_sha=head_sha,
            intent_id=intent_id,
            installation_id=installation_id_of(payload),
            reason="Re-run requested, revalidating",
            force=True,
        )
    if not known:
        return {"action": "ignored", "reason": "unknown_head_sha"}
    return {"action": "revalidating", "intent_ids": known}


def _rerequest_prepare(event: str, payload: Mapping[str, Any]) -> None:
    if payload.get("action") != "rerequested":
        return
    mirror = _mirror_of(payload)
    mirror_fetch(mirror, None)


# --- installation -----------------------------------------------------------------------------


def _installation_apply(payload: Mapping[str, Any], _: Any) -> dict[str, Any]:
    installation_id = installation_id_of(payload)
    if installation_id is None:
        raise PayloadInvalid("installation.id must be a positive integer")
    account = (payload.get("installation") or {}).get("account") or {}
    removed = payload.get("action") == "deleted"
    row, _created = Installation.objects.update_or_create(
        installation_id=installation_id,
        defaults={
            "account": str(account.get("login") or "")[:200],
            "removed_at": timezone.now() if removed else None,
        },
    )
    names = [
        str(repo.get("full_name"))
        for key in ("repositories", "repositories_added")
        for repo in payload.get(key) or ()
        if isinstance(repo, Mapping) and repo.get("full_name")
    ]
    updated = GithubRepository.objects.filter(full_name__in=names).update(
        installation_id=installation_id
    )
    return {
        "action": "installation_removed" if removed else "installation_recorded",
        "installation_id": row.installation_id,
        "repositories": updated,
    }


def validate_payload(event: str, payload: Mapping[str, Any]) -> None:
    """Refuse (400) a payload that lacks what its event's handler reads."""
    action = payload.get("action")
    if event == "pull_request" and (action in PR_REFRESH_ACTIONS or action == "closed"):
        pull_request_facts(payload)
    elif event == "push":
        facts = push_facts(payload)
        if facts.branch is not None and not facts.is_deleted:
            _require_sha(facts.after, "after")
    elif event == "merge_group" and action in ("checks_requested", "destroyed"):
        merge_group_facts(payload)
    elif event in ("check_run", "check_suite") and action == "rerequested":
        repository_facts(payload)
        rerequested_head_sha(payload, event)
    elif event in ("installation", "installation_repositories") and (
        installation_id_of(payload) is None
    ):
        raise PayloadInvalid("installation.id must be a positive integer")


def _require_sha(value: str, name: str) -> None:
    if len(value) != 40 or any(c not in "0123456789abcdef" for c in value):
        raise PayloadInvalid(f"{name} must be a 40-digit commit SHA")


HANDLERS: dict[str, Handler] = {
    "pull_request": Handler(_pr_prepare, _pr_apply),
    "push": Handler(_push_prepare, _push_apply),
    "merge_group": Handler(_merge_group_prepare, _merge_group_apply),
    "check_run": Handler(
        partial(_rerequest_prepare, "check_run"), partial(_rerequest_apply, "check_run")
    ),
    "check_suite": Handler(
        partial(_rerequest_prepare, "check_suite"), partial(_rerequest_apply, "check_suite")
    ),
    "installation": Handler(lambda payload: None, _installation_apply),
    "installation_repositories": Handler(lambda payload: None, _installation_apply),
}
