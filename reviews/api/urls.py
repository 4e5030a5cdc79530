"""Routes of the reviews API, mounted under both API prefixes by ``converge_site.api``."""

from __future__ import annotations

from django.urls import path

from reviews.api import views

urlpatterns = [
    path("reviews", views.ReviewListView.as_view(), name="reviews"),
    path("reviews/summary", views.ReviewSummaryView.as_view(), name="review-summary"),
    path("reviews/<str:task_id>/assign", views.ReviewAssignView.as_view(), name="review-assign"),
    path("reviews/<str:task_id>/start", views.ReviewStartView.as_view(), name="review-start"),
    path(
        "reviews/<str:task_id>/complete",
        views.ReviewCompleteView.as_view(),
        name="review-complete",
    ),
    path("reviews/<str:task_id>/cancel", views.ReviewCancelView.as_view(), name="review-cancel"),
    path(
        "reviews/<str:task_id>/escalate",
        views.ReviewEscalateView.as_view(),
        name="review-escalate",
    ),
]
