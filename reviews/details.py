"""What ``intent status`` shows about reviews (``CONVERGE_INTENT_DETAILS``)."""

from __future__ import annotations

from typing import Any

from reviews.holds import review_holds
from reviews.selectors import open_reviews_of
from reviews.serialization import review_serialize


def intent_reviews(intent_id: str) -> dict[str, Any]:
    """The intent's open reviews and the hold they put on it (``null`` when none)."""
    hold = review_holds([intent_id]).get(intent_id)
    return {
        "reviews": [review_serialize(task) for task in open_reviews_of(intent_id)],
        "review_hold": None
        if hold is None
        else {"code": hold.code, "reason": hold.reason, "rejects": hold.rejects},
    }
