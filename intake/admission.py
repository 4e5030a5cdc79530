"""The intake admission check (``CONVERGE_ADMISSION_CHECKS``), asked before an intent is stored.

It records ``intake.accepted``, ``intake.throttled`` or ``intake.rejected`` and answers the
verdict; a refusal makes ``intent_create`` raise ``IntakeRejected`` (nothing else is stored).
With the ``intake_control`` flag off every intent is accepted in ``open`` mode.
"""

from __future__ import annotations

from typing import Any

from converge_core.hooks import AdmissionRequest, AdmissionVerdict
from converge_core.intake import IntakeMode
from converge_core.intake import admit as admission_rule
from flags.selectors import flag_is_enabled
from intake.selectors import intake_settings, intake_signals, override_in_force
from intake.services import INTAKE_CHANNEL
from ledger.append import event_append
from notifications.dispatch import notify

REFUSAL_EVENTS = {IntakeMode.THROTTLE: "intake.throttled", IntakeMode.PAUSE: "intake.rejected"}


def _decide(request: AdmissionRequest) -> tuple[IntakeMode, bool, str, dict[str, Any]]:
    if not flag_is_enabled("intake_control"):
        return IntakeMode.OPEN, True, "intake_control disabled", {}
    config = intake_settings()
    signals = intake_signals(tenant_id=request.tenant_id, config=config)
    override = override_in_force(request.tenant_id)
    mode = IntakeMode(override.mode if override is not None else signals["auto_mode"])
    signals["manual_override"] = override is not None
    admission = admission_rule(
        mode,
        intent_id=request.intent_id,
        risk_level=request.risk_level,
        ratio=config.throttle_ratio,
    )
    return mode, admission.accepted, admission.reason, {**signals, **admission.signals}


def admit(request: AdmissionRequest) -> AdmissionVerdict:
    mode, accepted, reason, signals = _decide(request)
    payload: dict[str, Any] = {
        "mode": str(mode),
        "accepted": accepted,
        "risk_level": request.risk_level,
        "origin_type": request.origin_type,
        "signals": signals,
        "reason": reason,
    }
    event_type = "intake.accepted" if accepted else REFUSAL_EVENTS[mode]
    event_append(
        event_type=event_type,
        intent_id=request.intent_id,
        tenant_id=request.tenant_id,
        payload=payload,
    )
    if not accepted:
        notify(
            event_type,
            {"intent_id": request.intent_id, **payload},
            channel=INTAKE_CHANNEL,
            intent_id=request.intent_id,
            tenant_id=request.tenant_id,
        )
    return AdmissionVerdict(accepted=accepted, mode=str(mode), reason=reason, details=signals)
