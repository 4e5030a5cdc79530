"""Enumerations of the reviews domain (the values of converge_core.reviews)."""

from __future__ import annotations

from converge_core import reviews
from interfaces.choices import choices_from

ReviewStatus = choices_from(reviews.ReviewStatus, name="ReviewStatus", module=__name__)
ReviewTrigger = choices_from(reviews.ReviewTrigger, name="ReviewTrigger", module=__name__)
ReviewResolution = choices_from(reviews.ReviewResolution, name="ReviewResolution", module=__name__)
