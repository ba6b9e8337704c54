"""The child page's repeated parts (results rows, assessment cards, the chart's
SVG) rendered in Python.

A child with 20 results made the template resolve and escape about 460 variables
in loops: two thirds of the page's time. Here each repeated element is one
`format_html` call (every value escaped), and the template prints one safe
string per element. The page's structure stays in the template.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from screening.charts import LdlChart

_RESULT_ROW = (
    '<tr><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}{}</td>'
    '<td class="num">{}</td><td class="num">{}</td><td class="muted">{}</td>'
    "<td>{}</td></tr>"
)


def result_rows(rows: Iterable[dict[str, str]]) -> list[SafeString]:
    """The results table's rows (cells as prepared by queries._result_rows)."""
    marks = {
        "friedewald": format_html(
            ' <span class="muted" title="{}">F</span>', _("Friedewald, computed here")
        ),
        "calculated": mark_safe(' <span class="muted">calc.</span>'),
        "": "",
    }
    return [
        format_html(
            _RESULT_ROW,
            row["date"],
            row["sample"],
            row["tc"],
            row["ldl"],
            marks[row["ldl_mark"]],
            row["hdl"],
            row["tg"],
            row["entered_unit"],
            row["source"],
        )
        for row in rows
    ]


def reason_items(reasons: Iterable[str]) -> SafeString:
    return format_html_join("", "<li>{}</li>", ((reason,) for reason in reasons))


def assessment_cards(cards: Iterable[dict[str, Any]]) -> list[SafeString]:
    """The assessment cards (fields as prepared by queries._assessment_cards)."""
    return [
        format_html(
            '<div class="card assessment"><p><span class="badge {}">{}</span> {}'
            ' <span class="muted">{} · {} · {}</span></p>'
            '<ul class="reasons">{}</ul></div>',
            card["outcome"],
            card["outcome"],
            card["criterion"],
            card["ruleset"],
            card["sample_date"],
            card["created_at"],
            reason_items(card["reasons"]),
        )
        for card in cards
    ]


def chart_svg(chart: LdlChart, *, label: str) -> SafeString:
    """The LDL-C chart as inline SVG (no script: fine under a strict CSP)."""
    ticks = format_html_join(
        "", '<text x="4" y="{}">{}</text>', ((t.y, t.label) for t in chart.ticks)
    )
    thresholds = format_html_join(
        "",
        '<line class="threshold" x1="48" x2="{}" y1="{}" y2="{}"></line>'
        '<text x="{}" y="{}" dy="-3">{}</text>',
        (
            (chart.width, line.y, line.y, line.label_x, line.y, line.label)
            for line in chart.thresholds
        ),
    )
    points = format_html_join(
        "",
        '<circle class="point" cx="{}" cy="{}" r="4"><title>{}</title></circle>',
        ((p.x, p.y, p.label) for p in chart.points),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">'
        '{}{}<path class="series" d="{}"></path>{}</svg>',
        chart.width,
        chart.height,
        label,
        ticks,
        thresholds,
        chart.path,
        points,
    )
