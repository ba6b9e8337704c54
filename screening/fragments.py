"""The child page's repeated parts (results rows, assessment cards, the chart's
SVG) rendered in Python.

A child with 20 results made the template resolve and escape about 460 variables
in loops: two thirds of the page's time. Here each repeated element is one
`_html` call (every value escaped), and the template prints each list as one
safe string. The page's structure stays in the template.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext as _

from screening.charts import LdlChart


def _html(template: str, *values: Any) -> SafeString:
    """`format_html` without its lazy-string plumbing: the same escaping
    (html.escape, as Django's escape) at about a third of the cost per value.
    Safe strings (fragments built here) are kept as they are."""
    # SafeString directly: mark_safe's lazy-string check costs more than the format.
    return SafeString(  # every value is escaped or already safe
        template.format(
            *(
                value if isinstance(value, SafeData) else html.escape(str(value))
                for value in values
            )
        )
    )


def _html_join(template: str, rows: Iterable[Iterable[Any]]) -> SafeString:
    return SafeString("".join(_html(template, *row) for row in rows))


def _lines(fragments: Iterable[SafeString]) -> SafeString:
    """Repeated elements as one string: the template prints it once instead of
    looping over them."""
    return SafeString("\n".join(fragments))


_RESULT_ROW = (
    '<tr><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}{}</td>'
    '<td class="num">{}</td><td class="num">{}</td><td class="muted">{}</td>'
    "<td>{}</td></tr>"
)


def result_rows(rows: Iterable[dict[str, str]]) -> SafeString:
    """The results table's rows (cells as prepared by queries._result_rows)."""
    marks = {
        "friedewald": _html(
            ' <span class="muted" title="{}">F</span>', _("Friedewald, computed here")
        ),
        "calculated": mark_safe(' <span class="muted">calc.</span>'),
        "": "",
    }
    return _lines(
        _html(
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
    )


def reason_items(reasons: Iterable[str]) -> SafeString:
    return _html_join("<li>{}</li>", ((reason,) for reason in reasons))


def assessment_cards(cards: Iterable[dict[str, Any]]) -> SafeString:
    """The assessment cards (fields as prepared by queries._assessment_cards)."""
    return _lines(
        _html(
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
    )


def chart_svg(chart: LdlChart, *, label: str) -> SafeString:
    """The LDL-C chart as inline SVG (no script: fine under a strict CSP)."""
    ticks = _html_join(
        '<text x="4" y="{}">{}</text>', ((t.y, t.label) for t in chart.ticks)
    )
    thresholds = _html_join(
        '<line class="threshold" x1="48" x2="{}" y1="{}" y2="{}"></line>'
        '<text x="{}" y="{}" dy="-3">{}</text>',
        (
            (chart.width, line.y, line.y, line.label_x, line.y, line.label)
            for line in chart.thresholds
        ),
    )
    points = _html_join(
        '<circle class="point" cx="{}" cy="{}" r="4"><title>{}</title></circle>',
        ((p.x, p.y, p.label) for p in chart.points),
    )
    return _html(
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
