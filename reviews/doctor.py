"""The doctor's review lines (registered in ``CONVERGE_DOCTOR_CHECKS``)."""

from __future__ import annotations

from interfaces.doctor import Check
from reviews.advisor import advisor_status
from reviews.selectors import review_pool_status


def check_review_pool() -> Check:
    """The reviewers pending reviews are auto-assigned to, with their open load."""
    line = review_pool_status()
    if line["status"] != "pass":
        return Check(
            line["check"],
            line["status"],
            line["detail"],
            "Set CONVERGE_REVIEW_POOL to a comma list of reviewers",
        )
    load = ", ".join(f"{name} {count}" for name, count in line["open_load"].items())
    return Check(line["check"], "pass", f"{line['detail']} (open: {load})")


def check_llm_advisor() -> Check:
    """Once the advisor flag is on, a provider with a key must be configured."""
    line = advisor_status()
    hint = (
        ""
        if line["status"] == "pass"
        else "Set CONVERGE_LLM_PROVIDER and CONVERGE_LLM_API_KEY, or turn llm_review_advisor off"
    )
    return Check(line["check"], line["status"], line["detail"], hint)
