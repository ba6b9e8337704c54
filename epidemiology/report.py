"""The statistics report: headline figures, charts and methods, as a PDF in German
or English (reportlab), and the same charts as SVG for the dashboard.

Small cells (DOMAIN §7): tables (outcomes, cascade states) go through
`disclosure.suppress_counts`, as on the overview page, so the page and the report
publish the same cells: counts from 1 to the minimum - 1 are "*", zeros are
shown, and the total is withheld wherever a cell is hidden. Sums and rates are
published only from shown cells. The charts' counts (LDL-C bins, samples per
quarter) are also rounded to 5 (the NHS option), so no sum of bars recovers a
hidden table cell; the LDL-C distribution's outer bins are widened until each
holds the minimum.

The report's prose sits here in both languages (as the rule engine's reasons
do): a document in exactly two languages, checked in a test, and not part of
the page catalogue; labels of codes come from the models' translated choices.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from django.db.models import Count
from django.db.models.functions import TruncQuarter
from django.utils import timezone, translation
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from epidemiology.disclosure import SuppressedTable, round_to_base, suppress_counts
from epidemiology.extract import read_children
from followup.models import CascadeInvitation, InvitationState
from screening.models import LabResult, Outcome
from screening.rules import PAEDIATRIC_RULESET_IDS, Unit, get_ruleset

Progress = Callable[[float], None]
HIDDEN = "*"
LDL_BIN_MMOL_L = 0.5
LDL_RANGE_MMOL_L = (1.0, 8.0)  # bins inside; the ends open, widened as needed

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "FH screening registry: statistics report",
        "subtitle": (
            "Rule set {ruleset} · produced {day} · small-cell minimum {minimum}"
        ),
        "headline": "Headline figures",
        "children": "Children screened",
        "flagged": "Children with a positive or definite result",
        "flagged_rate": "Share of children screened",
        "relatives_tested": "Relatives tested in the cascade",
        "relatives_affected": "Relatives found affected",
        "outcomes": "Children by current outcome",
        "outcome": "Outcome",
        "count": "Children",
        "total": "Total",
        "ldl": "LDL-C distribution (mmol/L) with the rule sets' thresholds",
        "ldl_axis": "LDL-C, mmol/L, current result per child",
        "quarters": "Screening samples per quarter",
        "cascade": "Cascade screening: relatives by invitation state",
        "cascade_yield": "Cascade yield (affected among relatives tested)",
        "methods": "Methods",
        "methods_text": (
            "Each child counts once, with the current assessment under rule set "
            "{ruleset}: the assessment of the newest sample. Children whose "
            "screening consent was withdrawn are left out. LDL-C is the value the "
            "assessment used, in mmol/L. Screening samples are the samples "
            "assessed under the rule set, by sample date. Relatives are counted "
            "by the state of their cascade invitation; the yield is the share "
            "found affected among those with a test result."
        ),
        "suppression": "Suppression rules",
        "suppression_text": (
            "Counts from 1 to {below} are shown as *; zeros are shown. A table's "
            "total is withheld wherever one of its cells is hidden, so that no "
            "hidden count can be recovered by subtraction; sums and rates are "
            "shown only where every count in them is. The counts in the charts "
            "are rounded to multiples of 5. The outer bins of the "
            "LDL-C distribution are widened until each holds at least {minimum} "
            "children. Record-level extracts are k-anonymous (k = {minimum} by "
            "default) over age band, sex, region and screening quarter, with "
            "study ids that differ in every extract."
        ),
        "hidden_note": "* = fewer than {minimum}, not shown; counts rounded to 5",
        "hidden_only": "* = fewer than {minimum}, not shown",
    },
    "de": {
        "title": "FH-Screening-Register: Statistikbericht",
        "subtitle": (
            "Regelwerk {ruleset} · erstellt am {day} · Mindestfallzahl {minimum}"
        ),
        "headline": "Kennzahlen",
        "children": "Gescreente Kinder",
        "flagged": "Kinder mit positivem oder gesichertem Befund",
        "flagged_rate": "Anteil an den gescreenten Kindern",
        "relatives_tested": "Im Kaskadenscreening getestete Angehörige",
        "relatives_affected": "Davon betroffene Angehörige",
        "outcomes": "Kinder nach aktuellem Ergebnis",
        "outcome": "Ergebnis",
        "count": "Kinder",
        "total": "Gesamt",
        "ldl": "Verteilung des LDL-C (mmol/L) mit den Schwellen der Regelwerke",
        "ldl_axis": "LDL-C, mmol/L, aktueller Wert je Kind",
        "quarters": "Screening-Proben je Quartal",
        "cascade": "Kaskadenscreening: Angehörige nach Stand der Einladung",
        "cascade_yield": (
            "Ausbeute der Kaskade (Betroffene unter getesteten Angehörigen)"
        ),
        "methods": "Methoden",
        "methods_text": (
            "Jedes Kind zählt einmal, mit seiner aktuellen Bewertung nach dem "
            "Regelwerk {ruleset}: der Bewertung der neuesten Probe. Kinder, deren "
            "Einwilligung in das Screening widerrufen ist, sind nicht enthalten. "
            "LDL-C ist der Wert, den die Bewertung verwendet hat, in mmol/L. "
            "Screening-Proben sind die nach dem Regelwerk bewerteten Proben, nach "
            "Probendatum. Angehörige werden nach dem Stand ihrer Einladung zum "
            "Kaskadenscreening gezählt; die Ausbeute ist der Anteil der "
            "Betroffenen unter denen mit Testergebnis."
        ),
        "suppression": "Regeln der Geheimhaltung",
        "suppression_text": (
            "Fallzahlen von 1 bis {below} werden als * gezeigt; Nullen werden "
            "gezeigt. Die Summe einer Tabelle entfällt, wo eines ihrer Felder "
            "verborgen ist, damit sich keine verborgene Zahl durch Subtraktion "
            "ergibt; Summen und Anteile werden nur gezeigt, wo jede ihrer "
            "Fallzahlen gezeigt wird. Die Zahlen in den Diagrammen sind auf "
            "Vielfache von 5 gerundet. Die äußeren Klassen der LDL-C-Verteilung werden "
            "verbreitert, bis jede mindestens {minimum} Kinder umfasst. "
            "Datensätze auf Personenebene sind k-anonym (k = {minimum}, wenn "
            "nicht anders gewählt) über Altersgruppe, Geschlecht, Region und "
            "Screening-Quartal, mit Studien-IDs, die in jedem Auszug andere sind."
        ),
        "hidden_note": "* = weniger als {minimum}, nicht gezeigt; auf 5 gerundet",
        "hidden_only": "* = weniger als {minimum}, nicht gezeigt",
    },
}


def _lang(language: str) -> str:
    return "de" if language.startswith("de") else "en"


# --- Figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    ruleset_id: str
    minimum: int
    produced_on: date
    children: int | None  # None: hidden
    flagged: int | None
    outcomes: SuppressedTable
    ldl_bins: list[tuple[str, int | None]]
    thresholds: list[tuple[str, float]]  # (rule set id, mmol/L)
    quarters: list[tuple[str, int | None]]
    cascade: SuppressedTable
    relatives_tested: int | None
    relatives_affected: int | None

    @property
    def flagged_rate(self) -> float | None:
        if self.flagged is None or not self.children:
            return None
        return self.flagged / self.children

    @property
    def cascade_yield(self) -> float | None:
        if self.relatives_affected is None or not self.relatives_tested:
            return None
        return self.relatives_affected / self.relatives_tested


def rounded(counts: Mapping[str, int], *, minimum: int) -> list[tuple[str, int | None]]:
    """Chart counts: 1..minimum-1 hidden, the rest rounded to a multiple of 5."""
    values = round_to_base(np.array(list(counts.values()), dtype=np.int64))
    return [
        (key, None if 0 < count < minimum else int(shown))
        for (key, count), shown in zip(counts.items(), values, strict=True)
    ]


def _sum_of_shown(table: SuppressedTable, keys: tuple[str, ...]) -> int | None:
    """The sum of cells, only where every one of them is shown."""
    shown = [cell for key in keys if (cell := table.cells[key]) is not None]
    return sum(shown) if len(shown) == len(keys) else None


def ldl_bins(values: pd.Series, *, minimum: int) -> list[tuple[str, int | None]]:
    """0.5 mmol/L bins; the open outer bins take inner ones until each holds at
    least `minimum` (or all); what stays under the minimum is hidden."""
    low, high = LDL_RANGE_MMOL_L
    steps = round((high - low) / LDL_BIN_MMOL_L)
    edges = [low + i * LDL_BIN_MMOL_L for i in range(steps + 1)]
    values = values.dropna()
    counts = [int((values < edges[0]).sum())]
    counts += [
        int(((values >= a) & (values < b)).sum()) for a, b in itertools.pairwise(edges)
    ]
    counts.append(int((values >= edges[-1]).sum()))
    first, last = 0, len(counts) - 1  # the open bins: "< edges[first]", ">= ..."
    while first + 1 < last and 0 < counts[first] < minimum:
        counts[first + 1] += counts[first]
        counts[first] = 0
        first += 1
    while last - 1 > first and 0 < counts[last] < minimum:
        counts[last - 1] += counts[last]
        counts[last] = 0
        last -= 1
    bins = [(f"< {edges[first]:.1f}", counts[first])]
    bins += [(f"{edges[i - 1]:.1f}", counts[i]) for i in range(first + 1, last)]
    bins.append((f">= {edges[last - 1]:.1f}", counts[last]))
    return rounded(dict(bins), minimum=minimum)


def _thresholds() -> list[tuple[str, float]]:
    """Every paediatric rule set's LDL-C thresholds in mmol/L."""
    found = []
    for ruleset_id in PAEDIATRIC_RULESET_IDS:
        for threshold in get_ruleset(ruleset_id).thresholds:
            found.append((ruleset_id, float(threshold.limit_in(Unit.MMOL_L))))
    return sorted(set(found), key=lambda item: item[1])


def _quarters(ruleset_id: str, minimum: int) -> list[tuple[str, int | None]]:
    rows = (
        LabResult.objects.filter(assessments__ruleset_id=ruleset_id)
        .annotate(quarter=TruncQuarter("sample_date"))
        .values("quarter")
        .annotate(samples=Count("pk", distinct=True))
        .order_by("quarter")
    )
    counts = {
        f"{row['quarter'].year}-Q{(row['quarter'].month - 1) // 3 + 1}": row["samples"]
        for row in rows
    }
    return rounded(counts, minimum=minimum)


_TESTED = (InvitationState.TESTED, InvitationState.POSITIVE, InvitationState.NEGATIVE)


def _cascade(minimum: int) -> SuppressedTable:
    counts = dict.fromkeys(InvitationState.values, 0)
    for row in CascadeInvitation.objects.values("state").annotate(n=Count("pk")):
        counts[row["state"]] = row["n"]
    return suppress_counts(counts, minimum=minimum)


def gather_figures(*, ruleset_id: str, minimum: int) -> Figures:
    children = read_children(ruleset_id=ruleset_id)
    outcome_counts = dict.fromkeys(Outcome.values, 0)
    found = children["outcome"].value_counts()
    outcome_counts.update({str(code): int(count) for code, count in found.items()})
    outcomes = suppress_counts(outcome_counts, minimum=minimum)
    cascade = _cascade(minimum)
    return Figures(
        ruleset_id=ruleset_id,
        minimum=minimum,
        produced_on=timezone.localdate(),
        children=outcomes.total,
        flagged=_sum_of_shown(outcomes, (Outcome.POSITIVE, Outcome.DEFINITE)),
        outcomes=outcomes,
        ldl_bins=ldl_bins(children["ldl_mmol_l"], minimum=minimum),
        thresholds=_thresholds(),
        quarters=_quarters(ruleset_id, minimum),
        cascade=cascade,
        relatives_tested=_sum_of_shown(cascade, _TESTED),
        relatives_affected=cascade.cells[InvitationState.POSITIVE],
    )


# --- Charts (reportlab.graphics: vector in the PDF, SVG on the page) --------------

CHART_WIDTH, CHART_HEIGHT = 460, 220
BAR = colors.HexColor("#2f6f8f")
THRESHOLD = colors.HexColor("#b03a2e")


def _bar_chart(labels: list[str], counts: list[int | None]) -> VerticalBarChart:
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 45, 45, CHART_WIDTH - 60, 140
    chart.data = [[count or 0 for count in counts]]
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 45
    chart.categoryAxis.labels.boxAnchor = "ne"
    return chart


def _mark_hidden(
    drawing: Drawing, chart: VerticalBarChart, counts: list[int | None]
) -> None:
    step = chart.width / max(len(counts), 1)
    for i, count in enumerate(counts):
        if count is None:
            x = chart.x + step * (i + 0.5)
            drawing.add(
                String(x, chart.y + 3, HIDDEN, fontSize=10, textAnchor="middle")
            )


def _drawing(title: str, note: str) -> Drawing:
    drawing = Drawing(CHART_WIDTH, CHART_HEIGHT)
    drawing.add(
        String(0, CHART_HEIGHT - 12, title, fontSize=10, fontName="Helvetica-Bold")
    )
    drawing.add(String(0, 2, note, fontSize=7, fillColor=colors.grey))
    return drawing


def ldl_chart(figures: Figures, language: str) -> Drawing:
    text = TEXT[_lang(language)]
    labels = [label for label, _ in figures.ldl_bins]
    counts = [count for _, count in figures.ldl_bins]
    drawing = _drawing(text["ldl"], text["hidden_note"].format(minimum=figures.minimum))
    chart = _bar_chart(labels, counts)
    drawing.add(chart)
    _mark_hidden(drawing, chart, counts)
    # Inner bins start at their label; the first bin is open below.
    starts = [float(label) for label in labels[1:-1]]
    if starts:
        step = chart.width / len(counts)
        for n, (ruleset_id, limit) in enumerate(figures.thresholds):
            position = 1 + (limit - starts[0]) / LDL_BIN_MMOL_L
            if not 0 < position < len(counts):
                continue
            x = chart.x + step * position
            drawing.add(
                Line(
                    x,
                    chart.y,
                    x,
                    chart.y + chart.height,
                    strokeColor=THRESHOLD,
                    strokeDashArray=[3, 2],
                    strokeWidth=0.8,
                )
            )
            drawing.add(
                String(
                    x + 2,
                    chart.y + chart.height - 8 - 8 * (n % 6),
                    f"{ruleset_id} {limit:.2f}",
                    fontSize=6,
                    fillColor=THRESHOLD,
                )
            )
    return drawing


def quarters_chart(figures: Figures, language: str) -> Drawing:
    text = TEXT[_lang(language)]
    labels = [label for label, _ in figures.quarters]
    counts = [count for _, count in figures.quarters]
    drawing = _drawing(
        text["quarters"], text["hidden_note"].format(minimum=figures.minimum)
    )
    chart = _bar_chart(labels or ["-"], counts or [0])
    drawing.add(chart)
    _mark_hidden(drawing, chart, counts)
    return drawing


def cascade_chart(figures: Figures, language: str) -> Drawing:
    text = TEXT[_lang(language)]
    with translation.override(_lang(language)):
        labels = [str(InvitationState(state).label) for state in figures.cascade.cells]
    counts = list(figures.cascade.cells.values())
    drawing = _drawing(
        text["cascade"], text["hidden_note"].format(minimum=figures.minimum)
    )
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 90, 20, CHART_WIDTH - 110, 170
    chart.data = [[count or 0 for count in counts]]
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontSize = 7
    drawing.add(chart)
    step = chart.height / max(len(counts), 1)
    for i, count in enumerate(counts):
        if count is None:
            y = chart.y + step * (i + 0.5) - 3
            drawing.add(String(chart.x + 4, y, HIDDEN, fontSize=10))
    return drawing


CHARTS = {"ldl": ldl_chart, "quarters": quarters_chart, "cascade": cascade_chart}


def chart_svg(name: str, figures: Figures, language: str) -> str:
    return renderSVG.drawToString(CHARTS[name](figures, language))


# --- The PDF ----------------------------------------------------------------------


def _count(value: int | None) -> str:
    return HIDDEN if value is None else f"{value}"


def _rate(value: float | None, language: str) -> str:
    if value is None:
        return HIDDEN
    shown = f"{100 * value:.1f} %"
    return shown.replace(".", ",") if language == "de" else shown


def _headline_rows(figures: Figures, lang: str) -> list[list[str]]:
    text = TEXT[lang]
    return [
        [text["children"], _count(figures.children)],
        [text["flagged"], _count(figures.flagged)],
        [text["flagged_rate"], _rate(figures.flagged_rate, lang)],
        [text["relatives_tested"], _count(figures.relatives_tested)],
        [text["relatives_affected"], _count(figures.relatives_affected)],
        [text["cascade_yield"], _rate(figures.cascade_yield, lang)],
    ]


def _outcome_rows(figures: Figures, lang: str) -> list[list[str]]:
    text = TEXT[lang]
    with translation.override(lang):
        rows = [
            [str(Outcome(code).label), _count(count)]
            for code, count in figures.outcomes.cells.items()
        ]
    return [
        [text["outcome"], text["count"]],
        *rows,
        [text["total"], _count(figures.outcomes.total)],
    ]


def _table(rows: list[list[str]], *, header: bool = False) -> Table:
    table = Table(rows, colWidths=[11 * cm, 4 * cm], hAlign="LEFT")
    style = [
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
    ]
    if header:
        style.append(("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"))
    table.setStyle(style)
    return table


def build_report(
    *, ruleset_id: str, language: str, minimum: int, progress: Progress | None = None
) -> bytes:
    """The report as PDF bytes; `progress` hears fractions done."""
    lang = _lang(language)
    text = TEXT[lang]
    tick = progress or (lambda fraction: None)
    figures = gather_figures(ruleset_id=ruleset_id, minimum=minimum)
    tick(0.4)
    styles = getSampleStyleSheet()
    day = figures.produced_on.strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d")
    story = [
        Paragraph(text["title"], styles["Title"]),
        Paragraph(
            text["subtitle"].format(ruleset=ruleset_id, day=day, minimum=minimum),
            styles["Normal"],
        ),
        Spacer(1, 0.4 * cm),
        Paragraph(text["headline"], styles["Heading2"]),
        _table(_headline_rows(figures, lang)),
        Paragraph(text["outcomes"], styles["Heading2"]),
        _table(_outcome_rows(figures, lang), header=True),
        Spacer(1, 0.4 * cm),
    ]
    for make in (ldl_chart, quarters_chart, cascade_chart):
        story += [make(figures, lang), Spacer(1, 0.4 * cm)]
    tick(0.7)
    story += [
        Paragraph(text["methods"], styles["Heading2"]),
        Paragraph(text["methods_text"].format(ruleset=ruleset_id), styles["Normal"]),
        Paragraph(text["suppression"], styles["Heading2"]),
        Paragraph(
            text["suppression_text"].format(below=minimum - 1, minimum=minimum),
            styles["Normal"],
        ),
    ]
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=text["title"],
        author="FH screening registry",
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
    )
    document.build(story)
    tick(1.0)
    return out.getvalue()
