"""The dashboard's overdue trend as SVG bar geometry (drawn by the template, so
the page needs no script and no inline style)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH = 480
HEIGHT = 160
BOTTOM = 140
LEFT = 30


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str


def trend_bars(points: list[tuple[date, int]]) -> list[Bar]:
    if not points:
        return []
    top = max(count for _, count in points) or 1
    slot = (WIDTH - LEFT) / len(points)
    bars = []
    for index, (day, count) in enumerate(points):
        height = round((BOTTOM - 10) * count / top, 1)
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.15, 1),
                y=round(BOTTOM - height, 1),
                width=round(slot * 0.7, 1),
                height=height,
                count=count,
                label=day.strftime("%d.%m."),
            )
        )
    return bars
