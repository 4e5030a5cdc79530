"""The reviews API: list, summary, request, and the moves of one review task.

A tenant-bound key sees only its tenant's reviews; another tenant's task or intent answers 404
like an unknown one (interfaces §2.3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from access.apibase import ConvergeAPIView, parse_body, parse_query
from access.tenancy import create_tenant, object_tenant
from intents.api.filters import TenantFilter
from intents.selectors import intent_get
from reviews.api import filters, permissions
from reviews.api import serializers as s
from reviews.models import ReviewTask
from reviews.selectors import review_get, review_list, review_summary
from reviews.serialization import review_serialize
from reviews.services import (
    review_assign,
    review_cancel,
    review_complete,
    review_escalate,
    review_request,
    review_start,
)

TASK_ID = OpenApiParameter("task_id", OpenApiTypes.STR, OpenApiParameter.PATH)


class ReviewListView(ConvergeAPIView):
    access = {"GET": permissions.REVIEWS_READ, "POST": permissions.REVIEWS_WRITE}

    @extend_schema(
        summary="Review tasks in priority order",
        parameters=[filters.ReviewListFilter],
        responses=s.ReviewListSerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, filters.ReviewListFilter)
        tasks = review_list(
            intent_id=query.get("intent_id"),
            status=query.get("status"),
            reviewer=query.get("reviewer"),
            tenant_id=self.query_tenant(query),
            limit=query["limit"],
        )
        reviews = [review_serialize(task) for task in tasks]
        return Response({"reviews": reviews, "total": len(reviews)})

    @extend_schema(
        summary="Open a review of an intent",
        description=(
            "`pending`, or `assigned` when a reviewer is given. An open review of the same "
            "intent and trigger is returned instead of a second one unless `force`."
        ),
        request=s.ReviewRequestSerializer,
        responses=s.ReviewTaskSerializer,
    )
    def post(self, request: Request) -> Response:
        data = parse_body(request, s.ReviewRequestSerializer)
        tenant_id = create_tenant(self.principal, data.get("tenant_id"))
        intent = intent_get(data["intent_id"], tenant_id=object_tenant(self.principal))
        task = review_request(
            intent_id=intent.id,
            trigger=data["trigger"],
            reviewer=data.get("reviewer"),
            priority=data.get("priority"),
            tenant_id=tenant_id,
            actor=self.principal.actor,
            force=data["force"],
        )
        return Response(review_serialize(task))


class ReviewSummaryView(ConvergeAPIView):
    access = {"GET": permissions.REVIEWS_READ}

    @extend_schema(
        summary="Review counts by status and reviewer, and SLA breaches",
        parameters=[TenantFilter],
        responses=s.ReviewSummarySerializer,
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, TenantFilter)
        return Response(review_summary(tenant_id=self.query_tenant(query)))


class ReviewMoveView(ConvergeAPIView):
    """One move of one review task: 404 unknown (or another tenant's), 409 illegal here."""

    access = {"POST": permissions.REVIEWS_WRITE}
    body_class: type[serializers.Serializer] = serializers.Serializer
    move: Callable[..., ReviewTask]

    def post(self, request: Request, task_id: str) -> Response:
        data = parse_body(request, self.body_class)
        review_get(task_id, tenant_id=object_tenant(self.principal))
        task = self.move(task_id=task_id, actor=self.principal.actor, **data)
        return Response(review_serialize(task))


def _move(summary: str, body: type[serializers.Serializer] | None) -> Any:
    return extend_schema_view(
        post=extend_schema(
            summary=summary, parameters=[TASK_ID], request=body, responses=s.ReviewTaskSerializer
        )
    )


@_move("Give a review task to a reviewer", s.ReviewAssignSerializer)
class ReviewAssignView(ReviewMoveView):
    body_class = s.ReviewAssignSerializer
    move = staticmethod(review_assign)


@_move("Start working on a review task", None)
class ReviewStartView(ReviewMoveView):
    move = staticmethod(review_start)


@_move("Close a review task: approved, rejected or deferred", s.ReviewCompleteSerializer)
class ReviewCompleteView(ReviewMoveView):
    body_class = s.ReviewCompleteSerializer
    move = staticmethod(review_complete)


@_move("Cancel a review task (the reason is appended to its notes)", s.ReviewCancelSerializer)
class ReviewCancelView(ReviewMoveView):
    body_class = s.ReviewCancelSerializer
    move = staticmethod(review_cancel)


@_move("Escalate a review task (its reviewer is kept)", s.ReviewEscalateSerializer)
class ReviewEscalateView(ReviewMoveView):
    body_class = s.ReviewEscalateSerializer
    move = staticmethod(review_escalate)
