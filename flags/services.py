"""Changing runtime flag overrides; each change appends ``feature_flag.changed``."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from converge_core.errors import InvalidInput
from converge_core.flags import FLAGS, FlagSpec, FlagState, validate_mode
from flags.models import FlagOverride
from flags.selectors import UnknownFlag, flag_overrides_invalidate, flag_state
from ledger.append import event_append


def _spec(name: str) -> FlagSpec:
    spec = FLAGS.get(name)
    if spec is None:
        raise UnknownFlag(f"Unknown flag: {name}", flag=name)
    return spec


def _record(state: FlagState, actor: str, reason: str) -> None:
    payload: dict[str, object] = {"flag": state.name, "enabled": state.enabled, "mode": state.mode}
    if reason:
        payload["reason"] = reason
    event_append(event_type="feature_flag.changed", agent_id=actor, payload=payload)
    # This process forgets its copy now and again once committed; others within the TTL.
    flag_overrides_invalidate()
    transaction.on_commit(flag_overrides_invalidate)


def flag_set(
    *,
    name: str,
    enabled: bool | None = None,
    mode: str | None = None,
    actor: str,
    reason: str = "",
) -> FlagState:
    """Override a flag at runtime (source ``api``); the parts not given keep their override.
    The operator's ``reason`` (the console asks for one to disable a flag) joins the event."""
    spec = _spec(name)
    if enabled is None and mode is None:
        raise InvalidInput("Give enabled and/or mode", field="enabled")
    if mode is not None:
        validate_mode(spec, mode, "mode")
    with transaction.atomic():
        row = FlagOverride.objects.select_for_update().filter(pk=name).first()
        if row is None:
            row = FlagOverride(name=name)
        if enabled is not None:
            row.enabled = enabled
        if mode is not None:
            row.mode = mode
        row.set_by = actor
        row.set_at = timezone.now()
        row.save()
        state = flag_state(name)
        _record(state, actor, reason)
    return state


def flag_clear(*, name: str, actor: str, reason: str = "") -> FlagState:
    """Drop a flag's runtime override; the lower layers decide again.

    Clearing a flag without an override changes nothing and records nothing.
    """
    _spec(name)
    with transaction.atomic():
        deleted, _ = FlagOverride.objects.filter(pk=name).delete()
        state = flag_state(name)
        if deleted:
            _record(state, actor, reason)
    return state
