"""Loading the hook lists declared in settings, each typed by its protocol in converge_core.hooks.

Each setting is a list of dotted paths, imported once; a path that cannot be imported or that
names something that is not callable is an ``ImproperlyConfigured`` naming the setting.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from converge_core.hooks import (
        AdmissionCheck,
        AfterDecision,
        DashboardSections,
        DecisionInputsHook,
        IntentActions,
        IntentDetails,
        MergeExecutor,
        PolicyGate,
        QueueHoldCheck,
        ReviewBacklogHook,
        ReviewCompletionCheck,
        RiskReviewDetails,
        SummarySections,
    )


@cache
def _load(setting_name: str, paths: tuple[str, ...]) -> tuple[Any, ...]:
    loaded = []
    for path in paths:
        try:
            hook = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(f"{setting_name}: cannot import {path!r}: {exc}") from exc
        if not callable(hook):
            raise ImproperlyConfigured(
                f"{setting_name}: {path!r} is a {type(hook).__name__}, not a callable"
            )
        loaded.append(hook)
    return tuple(loaded)


def _hooks(setting_name: str) -> list[Any]:
    return list(_load(setting_name, tuple(getattr(settings, setting_name, ()))))


def admission_checks() -> list[AdmissionCheck]:
    return _hooks("CONVERGE_ADMISSION_CHECKS")


def queue_holds() -> list[QueueHoldCheck]:
    return _hooks("CONVERGE_QUEUE_HOLDS")


def decision_inputs() -> list[DecisionInputsHook]:
    return _hooks("CONVERGE_DECISION_INPUTS")


def policy_gates() -> list[PolicyGate]:
    return _hooks("CONVERGE_POLICY_GATES")


def after_decision_hooks() -> list[AfterDecision]:
    return _hooks("CONVERGE_AFTER_DECISION")


def intent_details() -> list[IntentDetails]:
    return _hooks("CONVERGE_INTENT_DETAILS")


def risk_review_details() -> list[RiskReviewDetails]:
    return _hooks("CONVERGE_RISK_REVIEW_DETAILS")


def review_backlog_hooks() -> list[ReviewBacklogHook]:
    return _hooks("CONVERGE_REVIEW_BACKLOG_HOOKS")


def summary_sections() -> list[SummarySections]:
    return _hooks("CONVERGE_SUMMARY_SECTIONS")


def merge_executors() -> list[MergeExecutor]:
    return _hooks("CONVERGE_MERGE_EXECUTORS")


def dashboard_sections() -> list[DashboardSections]:
    return _hooks("CONVERGE_DASHBOARD_SECTIONS")


def intent_actions() -> list[IntentActions]:
    return _hooks("CONVERGE_INTENT_ACTIONS")


def review_completion_checks() -> list[ReviewCompletionCheck]:
    return _hooks("CONVERGE_REVIEW_COMPLETION_CHECKS")
