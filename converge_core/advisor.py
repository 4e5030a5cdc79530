"""The LLM review advisor's prompt and the parsing of a provider's answer (operations §2.6).

The advisor is advisory only: its analysis is recorded, it never changes a decision.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DIFF_LIMIT = 4000
MAX_OUTPUT_TOKENS = 1024

INSTRUCTIONS = (
    "You review a proposed merge for a merge-coordination service. Answer with one JSON object: "
    '{"summary": str, "risk_highlights": [str], "suggested_focus_areas": [str], '
    '"confidence": number between 0 and 1}. Be concise and specific.'
)


@dataclass(frozen=True)
class ReviewAnalysis:
    summary: str
    risk_highlights: list[str] = field(default_factory=list)
    suggested_focus_areas: list[str] = field(default_factory=list)
    confidence: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "risk_highlights": list(self.risk_highlights),
            "suggested_focus_areas": list(self.suggested_focus_areas),
            "confidence": self.confidence,
        }


def build_prompt(intent: Mapping[str, Any], risk: Mapping[str, Any] | None, diff_text: str) -> str:
    """The user message: the intent, its latest risk evaluation and the change (truncated)."""
    risk_part = {
        key: risk.get(key)
        for key in ("risk_score", "damage_score", "entropy_score", "signals", "bombs")
        if risk and key in risk
    }
    return "\n\n".join(
        [
            "Intent:\n" + json.dumps(dict(intent), indent=2, sort_keys=True, default=str),
            "Latest risk evaluation:\n" + json.dumps(risk_part, indent=2, sort_keys=True),
            "Change:\n" + diff_text[:DIFF_LIMIT],
        ]
    )


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(item) for item in value]


def parse_analysis(text: str) -> ReviewAnalysis:
    """The JSON between the first ``{`` and the last ``}``; free text is kept as the summary.

    A missing confidence counts as 0.5; an unparsable answer keeps its first 500 characters
    with confidence 0.3.
    """
    start, end = text.find("{"), text.rfind("}")
    try:
        if start < 0 or end <= start:
            raise ValueError("no JSON object")
        data = json.loads(text[start : end + 1])
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except ValueError:
        return ReviewAnalysis(summary=text[:500], confidence=0.3)
    try:
        confidence = float(data.get("confidence", 0.5))
    except (TypeError, ValueError):
        confidence = 0.5
    return ReviewAnalysis(
        summary=str(data.get("summary", "")),
        risk_highlights=_strings(data.get("risk_highlights")),
        suggested_focus_areas=_strings(data.get("suggested_focus_areas")),
        confidence=min(1.0, max(0.0, confidence)),
    )
