"""A child's LDL-C over time as SVG geometry, with the rule set's thresholds drawn in.

Rendered server-side into the page (no script), so it works under a strict CSP.
Axes carry round ticks (1, 2 or 5 times a power of ten) and the first and last
sample dates; labels are written in the reader's language (5,5 in German).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.formats import date_format, number_format

WIDTH, HEIGHT = 560, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 12, 40
TICKS_WANTED = 5


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
class DateTick:
    x: float
    label: str
    anchor: str  # SVG text-anchor: start, middle or end


@dataclass(frozen=True, slots=True)
class LdlChart:
    width: int
    height: int
    points: tuple[ChartPoint, ...]
    thresholds: tuple[ChartLine, ...]
    ticks: tuple[ChartLine, ...]
    dates: tuple[DateTick, ...]
    path: str
    plot_left: int = LEFT
    plot_bottom: int = HEIGHT - BOTTOM


def round_step(top: float, wanted: int = TICKS_WANTED) -> float:
    """The tick step for an axis from 0 to `top`: 1, 2 or 5 times a power of ten,
    giving about `wanted` ticks."""
    raw = max(top, 1e-9) / wanted
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover - the loop ends at 10


def _number(value: float, step: float) -> str:
    places = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return number_format(round(value, places), decimal_pos=places)


def ldl_chart(
    series: Sequence[tuple[date, Decimal]],
    *,
    thresholds: Sequence[tuple[Decimal, str]],
    unit_factor: Decimal,
    unit_label: str,
) -> LdlChart | None:
    """Series (oldest first) and thresholds in mmol/L; `unit_factor` scales them
    for display in `unit_label`."""
    if not series:
        return None
    values = [float(v * unit_factor) for _, v in series]
    limits = [float(t * unit_factor) for t, _ in thresholds]
    highest = max([*values, *limits]) * 1.1 or 1.0
    step = round_step(highest)
    top = math.ceil(highest / step) * step
    first_day, last_day = series[0][0], series[-1][0]
    span = max(last_day.toordinal() - first_day.toordinal(), 1)
    plot_width = WIDTH - LEFT - RIGHT

    def x_of(day: date) -> float:
        if first_day == last_day:
            return LEFT + plot_width / 2
        return LEFT + (day.toordinal() - first_day.toordinal()) / span * plot_width

    def y_of(value: float) -> float:
        return TOP + (1 - value / top) * (HEIGHT - TOP - BOTTOM)

    decimals = 0 if unit_label == "mg/dL" else 2
    points = tuple(
        ChartPoint(
            round(x_of(day), 1),
            round(y_of(value), 1),
            f"{date_format(day, 'SHORT_DATE_FORMAT')}: "
            f"{number_format(round(value, decimals), decimal_pos=decimals)} "
            f"{unit_label}",
        )
        for (day, _), value in zip(series, values, strict=True)
    )
    path = "M " + " L ".join(f"{p.x} {p.y}" for p in points)
    # Labels step right one by one so that close thresholds stay readable.
    lines = tuple(
        ChartLine(
            round(y_of(limit), 1),
            f"{label} {_number(limit, 0.1 if decimals else 1)} {unit_label}",
            LEFT + 4 + index * 150,
        )
        for index, (limit, (_, label)) in enumerate(
            zip(limits, thresholds, strict=True)
        )
    )
    ticks = tuple(
        ChartLine(round(y_of(step * i), 1), _number(step * i, step))
        for i in range(round(top / step) + 1)
    )
    return LdlChart(
        WIDTH,
        HEIGHT,
        points,
        lines,
        ticks,
        _date_ticks(first_day, last_day, x_of),
        path,
    )


def _date_ticks(
    first: date, last: date, x_of: Callable[[date], float]
) -> tuple[DateTick, ...]:
    """The first and the last sample date under the x axis."""
    if first == last:
        return (_date_tick(first, x_of, "middle"),)
    return (_date_tick(first, x_of, "start"), _date_tick(last, x_of, "end"))


def _date_tick(day: date, x_of: Callable[[date], float], anchor: str) -> DateTick:
    return DateTick(round(x_of(day), 1), date_format(day, "SHORT_DATE_FORMAT"), anchor)
