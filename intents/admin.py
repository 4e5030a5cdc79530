"""Operator console for intents, repositories, commit links and queue locks.

Nothing here writes a row: every change goes through a service that records an event with
the operator (``admin:<username>``) as its actor. Actions take ``intents.operate_queue``;
rejecting an intent and releasing a lock ask for a confirmation and a reason.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html

from converge_core.errors import ConvergeError
from converge_core.hooks import ConsoleAction
from converge_core.policy import validate_tenant_risk_policy
from converge_core.states import ACTIVE, Status
from intents.console import wait_reasons
from intents.hooks import intent_actions
from intents.locks import locks_force_release
from intents.models import (
    CommitLink,
    Intent,
    IntentDecision,
    ProcessingFailure,
    QueueLock,
    Repository,
    TenantRiskPolicy,
    WorkerHeartbeat,
)
from intents.queue.maintenance import queue_reset
from intents.repositories import repository_update
from intents.risk import risk_policy_set
from intents.selectors import intent_overview
from intents.services import intent_override_status, intent_update
from intents.validation import intent_validate
from interfaces.console import (
    BoundedCountPaginator,
    back,
    confirm_selected,
    indexed_values_filter,
    operator,
    recent_filter,
)
from ledger.admin import ReadOnlyAdmin
from ledger.selectors import event_feed

OPERATE = "intents.operate_queue"


class RepositoryForm(forms.ModelForm):
    class Meta:
        model = Repository
        fields = ("name", "default_branch")


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    """Repositories are recorded on first use; an operator may rename one or change its
    default branch (``repository.updated``). They are never added or deleted here."""

    form = RepositoryForm
    list_display = ("name", "path", "default_branch", "is_bare", "created_at")
    list_filter = ("is_bare",)
    search_fields = ("name", "path")
    readonly_fields = ("path", "is_bare", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Repository, form: Any, change: bool) -> None:
        try:
            repository_update(
                repository_id=obj.pk,
                name=form.cleaned_data["name"],
                default_branch=form.cleaned_data["default_branch"],
                actor=operator(request),
            )
        except ConvergeError as exc:
            self.message_user(request, f"Not saved: {exc.message}", messages.ERROR)


class LifecycleFilter(admin.SimpleListFilter):
    """Active intents by default: the queue is what an operator opens this list for."""

    title = "lifecycle"
    parameter_name = "lifecycle"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Active"), ("finished", "Merged or rejected"), ("all", "All")]

    def choices(self, changelist: Any) -> Any:
        current = self.value() or "active"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Intent]) -> Any:
        value = self.value() or "active"
        if value == "active":
            return queryset.filter(status__in=ACTIVE)
        if value == "finished":
            return queryset.exclude(status__in=ACTIVE)
        return queryset


class IntentActionForm(ActionForm):
    priority = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "priority"), *((n, n) for n in range(1, 6))],
        label="Priority",
    )


class IntentChangeList(ChangeList):
    """The page's rows with why each active one waits, asked for the whole page at once."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        reasons = wait_reasons(list(self.result_list))
        for intent in self.result_list:
            intent.console_wait = reasons.get(intent.pk)


@admin.register(Intent)
class IntentAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "state",
        "priority",
        "target",
        "repository",
        "risk_level",
        "retries",
        "tenant_id",
        "created_at",
    )
    list_filter = (
        LifecycleFilter,
        "status",
        "risk_level",
        indexed_values_filter("tenant_id", "tenant"),
        "repository",
        indexed_values_filter("target", "target"),
        "origin_type",
        recent_filter("created_at", "created"),
    )
    search_fields = ("id", "source", "target", "plan_id")
    list_select_related = ("repository", "last_decision")
    # the order of ``intent_console_order_idx``: a page reads that page of the index
    ordering = ("repository_id", "target", "priority", "created_at", "id")
    show_full_result_count = False
    paginator = BoundedCountPaginator
    action_form = IntentActionForm
    actions = ["validate", "requeue", "set_priority", "reject"]
    change_form_template = "admin/intents/intent/detail.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Intents are created through the CLI, the API or GitHub so intake and events apply.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Events name intents for ever: reject one instead.
        return False

    def has_operate_queue_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(OPERATE)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return IntentChangeList

    @admin.display(description="state and reason", ordering="status")
    def state(self, intent: Intent) -> str:
        wait = getattr(intent, "console_wait", None)
        if wait is None:
            return intent.status
        kind, reason = wait
        return format_html("<strong>{}</strong> — {}: {}", intent.status, kind, reason)

    # -- actions ---------------------------------------------------------------------------

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        for extra in intent_actions():
            for action in extra():
                if request.user.has_perm(action.permission):
                    actions[action.name] = (
                        self._hook_action(action),
                        action.name,
                        action.description,
                    )
        return actions

    def _hook_action(self, action: ConsoleAction) -> Any:
        def run(model_admin: Any, request: HttpRequest, queryset: QuerySet[Intent]) -> Any:
            reason = ""
            if action.dangerous:
                confirmed = confirm_selected(self, request, queryset, title=action.description)
                if isinstance(confirmed, HttpResponse):
                    return confirmed
                reason = confirmed
            actor = operator(request)
            for intent_id in queryset.values_list("id", flat=True):
                try:
                    message = action.run(intent_id, actor, reason)
                except ConvergeError as exc:
                    self.message_user(request, f"{intent_id}: {exc.message}", messages.ERROR)
                else:
                    self.message_user(request, f"{intent_id}: {message}", messages.SUCCESS)
            return back(request)

        return run

    def _each(self, request: HttpRequest, queryset: QuerySet[Intent], call: Any) -> None:
        for intent_id in queryset.values_list("id", flat=True):
            try:
                message, level = call(intent_id)
            except ConvergeError as exc:
                self.message_user(request, f"{intent_id}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{intent_id}: {message}", level)

    def _decided(self, decision: dict[str, Any]) -> tuple[str, int]:
        if decision["decision"] == "validated":
            return "validated", messages.SUCCESS
        return str(decision.get("reason") or decision["decision"]), messages.WARNING

    @admin.action(
        description="Validate now (simulation, risk, checks, policy)", permissions=["operate_queue"]
    )
    def validate(self, request: HttpRequest, queryset: QuerySet[Intent]) -> HttpResponse | None:
        actor = operator(request)
        self._each(
            request,
            queryset,
            lambda intent_id: self._decided(intent_validate(intent_id=intent_id, actor=actor)),
        )
        return back(request)

    @admin.action(
        description="Requeue (reset retries and back-off, then validate)",
        permissions=["operate_queue"],
    )
    def requeue(self, request: HttpRequest, queryset: QuerySet[Intent]) -> HttpResponse | None:
        actor = operator(request)

        def call(intent_id: str) -> tuple[str, int]:
            queue_reset(intent_id=intent_id, actor=actor)
            return self._decided(intent_validate(intent_id=intent_id, actor=actor))

        self._each(request, queryset, call)
        return back(request)

    @admin.action(description="Set the priority given (1 = first)", permissions=["operate_queue"])
    def set_priority(self, request: HttpRequest, queryset: QuerySet[Intent]) -> HttpResponse | None:
        try:
            priority = IntentActionForm.base_fields["priority"].clean(request.POST.get("priority"))
        except forms.ValidationError:
            priority = None
        if priority is None:
            self.message_user(request, "Choose a priority from 1 to 5.", messages.ERROR)
            return back(request)
        actor = operator(request)

        def call(intent_id: str) -> tuple[str, int]:
            intent_update(intent_id=intent_id, changes={"priority": priority}, actor=actor)
            return f"priority {priority}", messages.SUCCESS

        self._each(request, queryset, call)
        return back(request)

    @admin.action(description="Reject (asks for a reason)", permissions=["operate_queue"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Intent]) -> HttpResponse | None:
        reason = confirm_selected(self, request, queryset, title="Reject intents")
        if isinstance(reason, HttpResponse):
            return reason
        actor = operator(request)

        def call(intent_id: str) -> tuple[str, int]:
            intent_override_status(
                intent_id=intent_id, status=Status.REJECTED, actor=actor, reason=reason
            )
            return "rejected", messages.SUCCESS

        self._each(request, queryset, call)
        return back(request)

    # -- the intent page -------------------------------------------------------------------

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            # the page is read-only; its buttons post to the list's actions
            return super().change_view(request, object_id, form_url, extra_context)
        intent = self.get_object(request, object_id)
        if intent is None or not self.has_view_permission(request, intent):
            raise Http404(f"Intent {object_id} not found")
        overview = intent_overview(intent.pk)
        record = IntentDecision.objects.filter(intent=intent).first()
        decision = record.decision if record is not None else None
        feed = list(event_feed(intent_id=intent.pk, oldest_first=True)[:500])
        speculative = next(
            (e for e in reversed(feed) if e.event_type == "intent.speculative_conflict"), None
        )
        events = [
            {
                "seq": event.seq,
                "timestamp": event.timestamp,
                "event_type": event.event_type,
                "actor": event.agent_id,
                "trace_id": event.trace_id,
                "payload": json.dumps(event.payload, indent=2, sort_keys=True),
            }
            for event in feed
        ]
        actions = self.get_actions(request)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Intent {intent.pk}",
            "opts": self.model._meta,
            "original": intent,
            "intent": intent,
            "overview": overview,
            "decision": decision,
            "decided_at": record.decided_at if record is not None else None,
            "gates": (decision or {}).get("policy", {}).get("gates", []),
            "simulation": (decision or {}).get("simulation") or {},
            "speculative": speculative,
            "events": events,
            "commit_links": list(intent.commit_links.order_by("observed_at")),
            "actions": [(name, entry[2]) for name, entry in actions.items()],
            "can_act": bool(actions) and intent.status in ACTIVE,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.change_form_template, context)


@admin.register(CommitLink)
class CommitLinkAdmin(ReadOnlyAdmin):
    list_display = ("intent", "role", "sha", "repo", "observed_at")
    list_filter = ("role",)
    search_fields = ("=sha", "intent__id")
    raw_id_fields = ("intent",)
    list_select_related = ("intent",)


class TenantRiskPolicyForm(forms.ModelForm):
    class Meta:
        model = TenantRiskPolicy
        fields = ("tenant_id", "data")

    def clean_data(self) -> dict[str, Any]:
        try:
            return validate_tenant_risk_policy(self.cleaned_data["data"] or {})
        except ConvergeError as exc:
            raise forms.ValidationError(exc.message) from None


@admin.register(TenantRiskPolicy)
class TenantRiskPolicyAdmin(admin.ModelAdmin):
    """Edits go through the service: validated, versioned and recorded as an event. A policy
    is replaced, never deleted (its history is in the event log)."""

    form = TenantRiskPolicyForm
    list_display = ("tenant_id", "version", "updated_by", "updated_at")
    search_fields = ("tenant_id",)
    readonly_fields = ("version", "updated_by", "updated_at")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return ("tenant_id", *self.readonly_fields)
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: TenantRiskPolicy, form: Any, change: bool
    ) -> None:
        risk_policy_set(
            tenant_id=obj.tenant_id,
            data=form.cleaned_data["data"],
            actor=operator(request),
        )


class StaleFilter(admin.SimpleListFilter):
    title = "staleness"
    parameter_name = "stale"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Expired"), ("no", "Live")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[QueueLock]) -> Any:
        if self.value() == "yes":
            return queryset.filter(expires_at__lt=timezone.now())
        if self.value() == "no":
            return queryset.filter(expires_at__gte=timezone.now())
        return queryset


@admin.register(QueueLock)
class QueueLockAdmin(admin.ModelAdmin):
    list_display = ("name", "holder", "acquired_at", "expires_at", "stale")
    list_filter = (StaleFilter, "repository")
    list_select_related = ("repository",)
    actions = ["release"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Releasing is the action below: it records who released the lock and why.
        return False

    def has_operate_queue_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(OPERATE)

    @admin.display(description="stale", boolean=True)
    def stale(self, lock: QueueLock) -> bool:
        return lock.expires_at < timezone.now()

    @admin.action(
        description="Release (the holder loses the lock; asks for a reason)",
        permissions=["operate_queue"],
    )
    def release(self, request: HttpRequest, queryset: QuerySet[QueueLock]) -> HttpResponse | None:
        reason = confirm_selected(self, request, queryset, title="Release queue locks")
        if isinstance(reason, HttpResponse):
            return reason
        names = list(queryset.values_list("name", flat=True))
        released = locks_force_release(names=names, actor=operator(request), reason=reason)
        self.message_user(request, f"Released {len(released)} lock(s).", messages.SUCCESS)
        return back(request)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    """Each worker's last heartbeat: polls are kept here, never in the event log."""

    list_display = (
        "node",
        "hostname",
        "pid",
        "started_at",
        "last_seen_at",
        "stopped_at",
        "cycles",
        "idle_cycles",
        "total_processed",
        "queue_depth",
    )
    search_fields = ("node", "hostname")


@admin.register(IntentDecision)
class IntentDecisionAdmin(ReadOnlyAdmin):
    """The last decision of each intent with the fingerprint of its inputs."""

    list_display = ("intent", "outcome", "fingerprint", "decided_at", "checked_at")
    search_fields = ("intent__id", "=trace_id")
    raw_id_fields = ("intent",)
    list_select_related = ("intent",)

    @admin.display(description="decision")
    def outcome(self, obj: IntentDecision) -> str:
        return str(obj.decision.get("reason") or obj.decision.get("decision", ""))


@admin.register(ProcessingFailure)
class ProcessingFailureAdmin(ReadOnlyAdmin):
    """Intents the worker set aside after an unexpected error; the intent's "requeue"
    action clears one."""

    list_display = ("intent", "stage", "error_class", "failures", "last_failed_at", "retry_at")
    list_filter = ("stage", "error_class")
    search_fields = ("intent__id", "message")
    list_select_related = ("intent",)
