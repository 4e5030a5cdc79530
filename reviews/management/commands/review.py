"""``converge review``: request, list, assign, start, complete, cancel, escalate, sla-check,
summary and sweep."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from converge_core.reviews import RESOLUTIONS, TRIGGERS, ReviewTrigger
from interfaces.commands import ConvergeCommand
from reviews.choices import ReviewStatus
from reviews.selectors import review_list, review_summary
from reviews.serialization import review_serialize
from reviews.services import (
    review_assign,
    review_cancel,
    review_complete,
    review_escalate,
    review_request,
    review_sla_check,
    review_start,
)
from reviews.sweep import review_sweep


class Command(ConvergeCommand):
    help = "Review tasks: human reviews that hold intents, their SLA and escalation."
    subcommands = {
        "request": "Open a review of an intent (holds it in the queue until approved).",
        "list": "Review tasks in priority order.",
        "assign": "Give a review to a reviewer.",
        "start": "Mark a review as being worked on.",
        "complete": "Close a review: approved, rejected or deferred.",
        "cancel": "Cancel a review.",
        "escalate": "Escalate a review.",
        "sla-check": "Open reviews past their SLA deadline (records each breach once).",
        "summary": "Counts by status and reviewer, and SLA breaches.",
        "sweep": "Run the escalation table once: auto-assign, escalate, throttle intake.",
    }

    def arguments_request(self, parser: ArgumentParser) -> None:
        parser.add_argument("--intent-id", required=True)
        parser.add_argument("--reviewer")
        parser.add_argument("--trigger", choices=TRIGGERS, default=str(ReviewTrigger.MANUAL))
        parser.add_argument("--priority", type=int, help="1 (highest) to 5 (default: the intent's)")
        parser.add_argument("--tenant-id")
        parser.add_argument(
            "--force", action="store_true", help="open a new review even if one is open"
        )

    def handle_request(self, **options: Any) -> Any:
        task = review_request(
            intent_id=options["intent_id"],
            trigger=options["trigger"],
            reviewer=options["reviewer"],
            priority=options["priority"],
            tenant_id=options["tenant_id"],
            actor=settings.CONVERGE_ACTOR,
            force=options["force"],
        )
        return review_serialize(task)

    def arguments_list(self, parser: ArgumentParser) -> None:
        parser.add_argument("--intent-id")
        parser.add_argument("--status", choices=ReviewStatus.values)
        parser.add_argument("--reviewer")
        parser.add_argument("--tenant-id")
        parser.add_argument("--limit", type=int, default=50)

    def handle_list(self, **options: Any) -> Any:
        tasks = review_list(
            intent_id=options["intent_id"],
            status=options["status"],
            reviewer=options["reviewer"],
            tenant_id=options["tenant_id"],
            limit=options["limit"],
        )
        return [review_serialize(task) for task in tasks]

    def arguments_assign(self, parser: ArgumentParser) -> None:
        parser.add_argument("--task-id", required=True)
        parser.add_argument("--reviewer", required=True)

    def handle_assign(self, **options: Any) -> Any:
        task = review_assign(
            task_id=options["task_id"],
            reviewer=options["reviewer"],
            actor=settings.CONVERGE_ACTOR,
        )
        return review_serialize(task)

    def arguments_start(self, parser: ArgumentParser) -> None:
        parser.add_argument("--task-id", required=True)

    def handle_start(self, **options: Any) -> Any:
        return review_serialize(
            review_start(task_id=options["task_id"], actor=settings.CONVERGE_ACTOR)
        )

    def arguments_complete(self, parser: ArgumentParser) -> None:
        parser.add_argument("--task-id", required=True)
        parser.add_argument("--resolution", choices=RESOLUTIONS, required=True)
        parser.add_argument("--notes", default="")

    def handle_complete(self, **options: Any) -> Any:
        task = review_complete(
            task_id=options["task_id"],
            resolution=options["resolution"],
            notes=options["notes"],
            actor=settings.CONVERGE_ACTOR,
        )
        return review_serialize(task)

    def arguments_cancel(self, parser: ArgumentParser) -> None:
        parser.add_argument("--task-id", required=True)
        parser.add_argument("--reason", default="")

    def handle_cancel(self, **options: Any) -> Any:
        task = review_cancel(
            task_id=options["task_id"], reason=options["reason"], actor=settings.CONVERGE_ACTOR
        )
        return review_serialize(task)

    def arguments_escalate(self, parser: ArgumentParser) -> None:
        parser.add_argument("--task-id", required=True)
        parser.add_argument("--reason", default="manual_escalation")

    def handle_escalate(self, **options: Any) -> Any:
        task = review_escalate(
            task_id=options["task_id"], reason=options["reason"], actor=settings.CONVERGE_ACTOR
        )
        return review_serialize(task)

    def arguments_sla_check(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")

    def handle_sla_check(self, **options: Any) -> Any:
        return review_sla_check(tenant_id=options["tenant_id"], actor=settings.CONVERGE_ACTOR)

    def arguments_summary(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tenant-id")

    def handle_summary(self, **options: Any) -> Any:
        return review_summary(tenant_id=options["tenant_id"])

    def arguments_sweep(self, parser: ArgumentParser) -> None:
        pass

    def handle_sweep(self, **options: Any) -> Any:
        return review_sweep()
