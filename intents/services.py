"""Services that change intents: creation, updates and every status change.

Each state change and its event are written in one transaction; status changes are a
compare-and-swap on the expected status and must pass the transition guard.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from converge_core.errors import Conflict, InvalidInput, NotFound
from converge_core.git import UnknownRef
from converge_core.hooks import AdmissionRequest
from converge_core.ids import new_id
from converge_core.plans import find_dependency_cycle, format_cycle
from converge_core.states import ACTIVE, Cause, Status, check_transition
from intents.choices import RiskLevel
from intents.cleaning import (
    clean_choice,
    clean_intent_changes,
    clean_new_intent,
    clean_priority,
    clean_ref,
    clean_semantic,
    clean_technical,
)
from intents.errors import DependencyCycle, IntakeRejected
from intents.failures import failure_clear
from intents.gitaccess import git_for
from intents.hooks import admission_checks
from intents.models import Intent, Repository
from intents.serialization import intent_serialize
from ledger.append import event_append


def check_no_cycle(intent_id: str, dependencies: list[str], *, tenant_id: str | None) -> None:
    """Refuse dependencies that would close a cycle among existing intents of the tenant.

    Another tenant's intent is an unknown id here, as everywhere a dependency is resolved:
    its existence and its own dependencies never show (decisions §15, §41).
    """

    def dependencies_of(node: str) -> list[str] | None:
        rows = Intent.objects.filter(pk=node, tenant_id=tenant_id)
        return rows.values_list("dependencies", flat=True).first()

    cycle = find_dependency_cycle(intent_id, dependencies, dependencies_of)
    if cycle is not None:
        raise DependencyCycle(f"Dependency cycle: {format_cycle(cycle)}", cycle=cycle)


def _admit(fields: Mapping[str, Any]) -> None:
    request = AdmissionRequest(
        intent_id=fields["id"],
        risk_level=fields["risk_level"],
        origin_type=fields["origin_type"],
        tenant_id=fields["tenant_id"],
        priority=fields["priority"],
        source=fields["source"],
        target=fields["target"],
    )
    for check in admission_checks():
        verdict = check(request)
        if verdict is not None and not verdict.accepted:
            raise IntakeRejected(
                verdict.reason or f"Intake refused the intent ({verdict.mode} mode)",
                intent_id=fields["id"],
                mode=verdict.mode,
            )


def _require_known_source(repository: Repository, source: str) -> None:
    """Refuse a source that names no branch (or commit) of ``repository``'s git directory."""
    try:
        git_for(repository).resolve(source)
    except UnknownRef:
        raise InvalidInput(
            f"unknown branch {source!r}: repository {repository.name} has no such branch",
            field="source",
        ) from None


def intent_create(
    *,
    data: Mapping[str, Any],
    repository: Repository,
    actor: str,
    default_id_prefix: str = "intent",
    require_known_source: bool = False,
    created_event: str = "intent.created",
) -> Intent:
    """Validate, admit and store a new READY intent, appending ``intent.created``.

    With ``require_known_source`` (the repository is on this machine: the CLI and the API,
    whose repository comes from ``repository_resolve``) a source branch that does not exist
    is refused. An existing id is refused (409) rather than overwritten. ``created_event``
    names the creation's event (a merge group's is ``merge_group.checks_requested``).
    """
    fields = clean_new_intent(data)
    if require_known_source:
        _require_known_source(repository, fields["source"])
    if fields["id"] is None:
        fields["id"] = f"{default_id_prefix}-{new_id()}"
    if Intent.objects.filter(pk=fields["id"]).exists():
        raise Conflict(f"Intent {fields['id']} already exists", intent_id=fields["id"])
    check_no_cycle(fields["id"], fields["dependencies"], tenant_id=fields["tenant_id"])
    _admit(fields)
    try:
        with transaction.atomic():
            intent = Intent.objects.create(
                **fields,
                repository=repository,
                status=Status.READY,
                declared_risk_level=fields["risk_level"],
                created_by=actor,
                created_at=timezone.now(),
            )
            event_append(
                event_type=created_event,
                intent_id=intent.id,
                tenant_id=intent.tenant_id,
                payload=intent_serialize(intent),
            )
    except IntegrityError:
        if Intent.objects.filter(pk=fields["id"]).exists():
            message = f"Intent {fields['id']} already exists"
            raise Conflict(message, intent_id=fields["id"]) from None
        raise
    return intent


def intent_update(*, intent_id: str, changes: Mapping[str, Any], actor: str) -> Intent:
    """Change the plan fields (``dependencies``, ``priority``, ``plan_id``) of an active
    intent; appends ``intent.updated`` with the diff."""
    requested = clean_intent_changes(changes, intent_id=intent_id)
    with transaction.atomic():
        intent = _lock(intent_id)
        if intent.status not in ACTIVE:
            raise Conflict(f"Intent {intent_id} is {intent.status}; only active intents change")
        if "dependencies" in requested:
            check_no_cycle(intent_id, requested["dependencies"], tenant_id=intent.tenant_id)
        _apply_changes(intent, requested, actor)
    return intent


def _apply_changes(intent: Intent, requested: Mapping[str, Any], actor: str) -> None:
    """Save the fields that really change and record them as ``intent.updated``."""
    changes = {
        field: {"from": getattr(intent, field), "to": value}
        for field, value in requested.items()
        if getattr(intent, field) != value
    }
    if not changes:
        return
    for field, change in changes.items():
        setattr(intent, field, change["to"])
    intent.save(update_fields=[*changes, "updated_at"])
    event_append(
        event_type="intent.updated",
        intent_id=intent.id,
        tenant_id=intent.tenant_id,
        agent_id=actor,
        payload={"changes": changes, "actor": actor},
    )


def intent_set_refs(
    *, intent_id: str, source: str | None, target: str | None, actor: str
) -> Intent:
    """Persist new source/target refs before a validation (``intent.updated``)."""
    requested = {
        field: clean_ref(value, field)
        for field, value in (("source", source), ("target", target))
        if value is not None
    }
    with transaction.atomic():
        intent = _lock(intent_id)
        _apply_changes(intent, requested, actor)
    return intent


def _clean_external(changes: Mapping[str, Any]) -> dict[str, Any]:
    cleaners: dict[str, Any] = {
        "source": lambda value: clean_ref(value, "source"),
        "target": lambda value: clean_ref(value, "target"),
        "semantic": clean_semantic,
        "technical": clean_technical,
        "risk_level": lambda value: clean_choice(value, "risk_level", RiskLevel.values),
        "priority": clean_priority,
    }
    unknown = sorted(set(changes) - set(cleaners))
    if unknown:
        raise InvalidInput(f"unknown fields: {', '.join(unknown)}", field=unknown[0])
    cleaned = {name: cleaners[name](value) for name, value in changes.items()}
    if "risk_level" in cleaned:
        cleaned["declared_risk_level"] = cleaned["risk_level"]
    return cleaned


def intent_refresh(
    *,
    intent_id: str,
    changes: Mapping[str, Any],
    actor: str,
    requeue: Mapping[str, Any] | None = None,
) -> Intent:
    """What the system an intent comes from changed about it (a pull request's head, title,
    labels): cleaned as on creation and recorded as ``intent.updated``. With ``requeue``
    (the event's payload) the intent goes back to READY with ``intent.requeued``: an active
    one because its source moved, a rejected one because it was reopened."""
    requested = _clean_external(changes)
    with transaction.atomic():
        intent = _lock(intent_id)
        if requeue is None and intent.status not in ACTIVE:
            return intent
        _apply_changes(intent, requested, actor)
        if requeue is not None:
            cause = Cause.SOURCE_PUSHED if intent.status in ACTIVE else Cause.EXTERNAL_REOPEN
            intent = intent_transition(
                intent_id=intent_id,
                to=Status.READY,
                cause=cause,
                event_type="intent.requeued",
                payload=dict(requeue),
                agent_id=actor,
            )
            failure_clear(intent_id)
    return intent


def _lock(intent_id: str) -> Intent:
    intent = Intent.objects.select_for_update().filter(pk=intent_id).first()
    if intent is None:
        raise NotFound(f"Intent {intent_id} not found", intent_id=intent_id)
    return intent


def intent_change_status(
    *,
    intent_id: str,
    to: Status | str,
    cause: Cause | str,
    retries: int | None = None,
    expected: Status | str | None = None,
) -> Status:
    """Guard and compare-and-swap a status change; returns the status it moved from.

    A cause other than the admin override keeping the status changes nothing (the caller
    writes no event for it either). Appends nothing: call it inside a transaction that
    appends the event recording the change (:func:`intent_transition` does both).
    """
    to = Status(to)
    intent = _lock(intent_id)
    current = Status(intent.status)
    if expected is not None and current != Status(expected):
        raise Conflict(
            f"Intent {intent_id} is {current}, expected {Status(expected)}",
            intent_id=intent_id,
            status=current,
        )
    check_transition(cause, current, to)
    if current == to and retries is None and Cause(cause) != Cause.ADMIN_OVERRIDE:
        return current  # the system keeping a status is no change: the row stays as it is
    updates: dict[str, Any] = {"status": to, "updated_at": timezone.now()}
    if retries is not None:
        updates["retries"] = retries
    changed = Intent.objects.filter(pk=intent_id, status=current).update(**updates)
    if changed != 1:  # pragma: no cover - the row lock makes this a backstop on SQLite too
        raise Conflict(f"Intent {intent_id} changed concurrently", intent_id=intent_id)
    return current


def status_event_payload(
    payload: Mapping[str, Any] | None, to: Status | str, retries: int | None
) -> dict[str, Any]:
    """The payload of a status-changing event: it records the new ``status`` (and
    ``retries`` when they change) so the intents table can be rebuilt from the log."""
    body = {**(payload or {}), "status": str(Status(to))}
    if retries is not None:
        body["retries"] = retries
    return body


def intent_transition(
    *,
    intent_id: str,
    to: Status | str,
    cause: Cause | str,
    event_type: str,
    payload: Mapping[str, Any] | None = None,
    evidence: Mapping[str, Any] | None = None,
    retries: int | None = None,
    expected: Status | str | None = None,
    trace_id: str | None = None,
    agent_id: str | None = None,
) -> Intent:
    """Move an intent to ``to`` for ``cause`` and append ``event_type``, atomically."""
    with transaction.atomic():
        intent_change_status(
            intent_id=intent_id, to=to, cause=cause, retries=retries, expected=expected
        )
        intent = Intent.objects.select_related("repository").get(pk=intent_id)
        event_append(
            event_type=event_type,
            intent_id=intent_id,
            tenant_id=intent.tenant_id,
            agent_id=agent_id,
            payload=status_event_payload(payload, to, retries),
            evidence=dict(evidence or {}),
            trace_id=trace_id,
        )
    return intent


def intent_override_status(*, intent_id: str, status: str, actor: str, reason: str = "") -> Intent:
    """The administrator's status override, recorded as ``intent.status_changed``."""
    target = Status(status)
    with transaction.atomic():
        current = _lock(intent_id).status
        return intent_transition(
            intent_id=intent_id,
            to=target,
            cause=Cause.ADMIN_OVERRIDE,
            event_type="intent.status_changed",
            payload={
                "from": current,
                "to": str(target),
                "cause": str(Cause.ADMIN_OVERRIDE),
                "override": True,
                "actor": actor,
                "reason": reason,
            },
            agent_id=actor,
        )


def intent_reset(*, intent_id: str, actor: str, status: str | None = None) -> Intent:
    """Zero an intent's retries (optionally setting its status) and clear the back-off of a
    processing failure; appends ``queue.reset``."""
    with transaction.atomic():
        intent = _lock(intent_id)
        failure_cleared = failure_clear(intent_id)
        new_status = Status(status) if status else Status(intent.status)
        Intent.objects.filter(pk=intent_id).update(
            status=new_status,
            retries=0,
            claimed_by=None,
            claim_expires_at=None,
            updated_at=timezone.now(),
        )
        event_append(
            event_type="queue.reset",
            intent_id=intent_id,
            tenant_id=intent.tenant_id,
            agent_id=actor,
            payload={
                "new_status": str(new_status),
                "previous_status": intent.status,
                "retries_reset": True,
                "processing_failure_cleared": failure_cleared,
                "actor": actor,
            },
        )
        intent.refresh_from_db()
    return intent
