"""A child's LDL-C over time as SVG geometry, with the rule set's thresholds drawn in.

Rendered server-side into the page (no script), so it works under a strict CSP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 12, 28


@dataclass(frozen=True, slots=True)
class ChartPoint:
    x: float
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class ChartLine:
    y: float
    label: str
    label_x: float = 4


@dataclass(frozen=True, slots=True)
class LdlChart:
    width: int
    height: int
    points: tuple[ChartPoint, ...]
    thresholds: tuple[ChartLine, ...]
    ticks: tuple[ChartLine, ...]
    path: str


def ldl_chart(
    series: Sequence[tuple[date, Decimal]],
    *,
    thresholds: Sequence[tuple[Decimal, str]],
    unit_factor: Decimal,
    unit_label: str,
) -> LdlChart | None:
    """Series and thresholds in mmol/L; `unit_factor` scales them for display."""
    if not series:
        return None
    values = [float(v * unit_factor) for _, v in series]
    limits = [float(t * unit_factor) for t, _ in thresholds]
    top = max([*values, *limits]) * 1.15 or 1.0
    first_day = series[0][0].toordinal()
    span = max(series[-1][0].toordinal() - first_day, 1)

    def x_of(day: date) -> float:
        if len(series) == 1:
            return LEFT + (WIDTH - LEFT - RIGHT) / 2
        return LEFT + (day.toordinal() - first_day) / span * (WIDTH - LEFT - RIGHT)

    def y_of(value: float) -> float:
        return TOP + (1 - value / top) * (HEIGHT - TOP - BOTTOM)

    points = tuple(
        ChartPoint(
            round(x_of(day), 1),
            round(y_of(value), 1),
            f"{day:%Y-%m-%d}: {value:.2f} {unit_label}",
        )
        for (day, _), value in zip(series, values, strict=True)
    )
    path = "M " + " L ".join(f"{p.x} {p.y}" for p in points)
    # Labels step right one by one so that close thresholds stay readable.
    lines = tuple(
        ChartLine(
            round(y_of(limit), 1),
            f"{label} {limit:.4g} {unit_label}",
            LEFT + 4 + index * 120,
        )
        for index, (limit, (_, label)) in enumerate(
            zip(limits, thresholds, strict=True)
        )
    )
    step = top / 4
    ticks = tuple(
        ChartLine(round(y_of(step * i), 1), f"{step * i:.1f}") for i in range(5)
    )
    return LdlChart(WIDTH, HEIGHT, points, lines, ticks, path)
