"""What reviews add to the operator console: the intent actions of reviews
(``CONVERGE_INTENT_ACTIONS``) and the dashboard's reviews panel
(``CONVERGE_DASHBOARD_SECTIONS``)."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from converge_core.hooks import ConsoleAction, DashboardSection
from converge_core.reviews import OPEN
from reviews.models import ReviewTask
from reviews.selectors import open_reviews_of
from reviews.services import review_cancel, review_request

VIEW = "reviews.view_reviewtask"


def _request(intent_id: str, actor: str, reason: str) -> str:
    task = review_request(intent_id=intent_id, actor=actor)
    return f"review {task.id} ({task.status})"


def _release(intent_id: str, actor: str, reason: str) -> str:
    """Cancel the intent's open reviews: the hold they put on it ends (a critical intent
    still waits for an approval)."""
    cancelled = [
        review_cancel(task_id=task.id, reason=reason, actor=actor).id
        for task in open_reviews_of(intent_id)
    ]
    if not cancelled:
        return "no open review holds it"
    return f"cancelled {', '.join(cancelled)}"


def review_intent_actions() -> list[ConsoleAction]:
    return [
        ConsoleAction(
            name="request_review",
            description="Request a review",
            permission="reviews.request_review",
            run=_request,
        ),
        ConsoleAction(
            name="release_review_hold",
            description="Release its review hold (cancels open reviews; asks for a reason)",
            permission="reviews.decide_review",
            run=_release,
            dangerous=True,
        ),
    ]


def reviews_section(*, permissions: frozenset[str]) -> DashboardSection | None:
    """Open reviews by status, the overdue ones and the oldest waiting, with links to the
    filtered lists behind each number (three queries)."""
    if VIEW not in permissions:
        return None
    now = timezone.now()
    counts: dict[str, int] = {str(status): 0 for status in sorted(OPEN)}
    rows = (
        ReviewTask.objects.filter(status__in=OPEN)
        .order_by()
        .values_list("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    counts.update(dict(rows))
    overdue = ReviewTask.objects.filter(status__in=OPEN, sla_deadline__lt=now).count()
    oldest = list(
        ReviewTask.objects.filter(status__in=OPEN)
        .select_related("intent")
        .order_by("sla_deadline")[:8]
    )
    changelist = reverse("admin:reviews_reviewtask_changelist")
    return DashboardSection(
        title="Reviews",
        template="admin/console/sections/reviews.html",
        order=20,
        context={
            "counts": [
                (status, count, f"{changelist}?status__exact={status}")
                for status, count in counts.items()
            ],
            "open_total": sum(counts.values()),
            "overdue": overdue,
            "overdue_url": f"{changelist}?sla=overdue",
            "oldest": [
                {
                    "task": task,
                    "overdue": task.sla_deadline < now,
                    "url": reverse("admin:reviews_reviewtask_change", args=[task.id]),
                    "intent_url": reverse("admin:intents_intent_change", args=[task.intent_id]),
                }
                for task in oldest
            ],
        },
    )
