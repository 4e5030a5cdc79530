"""Geometry of the console's small server-rendered charts: bars and a line over hourly
buckets, and percentiles. Pure Python; the templates draw the SVG."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    peak: float  # the value of a full-height bar
    first_label: str
    last_label: str


def bar_chart(
    values: Sequence[float], labels: Sequence[str], *, width: int = 360, height: int = 80
) -> Chart:
    """Bars side by side filling ``width``; the tallest value fills ``height``."""
    if len(values) != len(labels):
        raise ValueError("one label per value")
    peak = max((float(v) for v in values), default=0.0)
    slot = width / len(values) if values else float(width)
    bars = []
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        bar_height = 0.0 if peak <= 0 else height * float(value) / peak
        bars.append(
            Bar(
                x=round(index * slot + slot * 0.1, 2),
                y=round(height - bar_height, 2),
                width=round(slot * 0.8, 2),
                height=round(bar_height, 2),
                value=float(value),
                label=label,
            )
        )
    return Chart(
        width=width,
        height=height,
        bars=tuple(bars),
        peak=peak,
        first_label=labels[0] if labels else "",
        last_label=labels[-1] if labels else "",
    )


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile (``fraction`` in (0, 1]); ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]
