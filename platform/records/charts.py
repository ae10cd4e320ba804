"""Server-side SVG charts for the leaders' reports: drawn here as geometry, rendered by
templates as inline SVG, so they work offline, print, and need no script or library."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

CHART_WIDTH = 640
BAR_HEIGHT = 26
LABEL_WIDTH = 170


@dataclass
class RankBar:
    """One unit in the ranking: its place, label, rate and where it links."""

    rank: int
    label: str
    rate: int
    url: str
    y: int
    width: int
    level: str  # "low", "mid" or "ok": the bar's colour


def unit_ranking(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Rank ``rows`` (``label``, ``rate`` in %, ``url``) by rate, best first, and lay
    them out as horizontal bars."""
    ordered = sorted(rows, key=lambda r: (-r["rate"], r["label"]))
    track = CHART_WIDTH - LABEL_WIDTH - 60
    bars = [
        RankBar(
            rank=i + 1,
            label=row["label"],
            rate=row["rate"],
            url=row["url"],
            y=i * BAR_HEIGHT,
            width=max(1, round(track * row["rate"] / 100)),
            level="low" if row["rate"] < 60 else "mid" if row["rate"] < 85 else "ok",
        )
        for i, row in enumerate(ordered)
    ]
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": max(1, len(bars)) * BAR_HEIGHT,
        "label_width": LABEL_WIDTH,
        "track": track,
    }


def month_trend(
    values: Sequence[float], *, max_value: float | None = None, suffix: str = ""
) -> dict[str, Any]:
    """Lay out twelve monthly ``values`` as a line chart with a y axis from 0 to
    ``max_value`` (the largest value when not given)."""
    width, height, left, right, top, bottom = CHART_WIDTH, 220, 44, 12, 12, 28
    top_value = max_value or max(values, default=0) or 1
    step = (width - left - right) / max(1, len(values) - 1)

    def y(v: float) -> float:
        return round(top + (height - top - bottom) * (1 - v / top_value), 1)

    points = [
        {
            "x": round(left + i * step, 1),
            "y": y(v),
            "value": v,
            "label": f"{v:g}{suffix}",
            "month": i + 1,
        }
        for i, v in enumerate(values)
    ]
    grid = [
        {"y": y(top_value * f), "label": f"{top_value * f:g}{suffix}"}
        for f in (0, 0.25, 0.5, 0.75, 1)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "baseline": height - bottom,
        "points": points,
        "path": " ".join(f"{p['x']},{p['y']}" for p in points),
        "grid": grid,
    }
