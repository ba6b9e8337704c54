"""Epidemiologist pages: the dashboard and exports; statistics only, never a person.

Every view answers 404 to anyone who may not see statistics, and a job of
another user is as missing as one that never was.
"""

from __future__ import annotations

import base64

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from epidemiology import tasks
from epidemiology.models import ExportKind
from fh_registry.access import can_see_statistics
from fh_registry.requests import AuthenticatedRequest
from screening.models import Outcome
from screening.rules import PAEDIATRIC_RULESET_IDS, get_ruleset

CHART_TITLES = {
    "ldl": _("LDL-C distribution with the rule sets' thresholds"),
    "quarters": _("Screening samples per quarter"),
    "cascade": _("Cascade screening: relatives by invitation state"),
}


def _rulesets() -> list[tuple[str, str]]:
    return [(ruleset, get_ruleset(ruleset).title) for ruleset in PAEDIATRIC_RULESET_IDS]


class TableExportForm(forms.Form):
    table = forms.ChoiceField(
        label=_("Table"),
        choices=[
            ("outcomes", _("Children by current outcome")),
            ("ldl_distribution", _("LDL-C distribution")),
            ("screenings_by_quarter", _("Screening samples per quarter")),
            ("cascade", _("Cascade screening: relatives by invitation state")),
        ],
    )
    ruleset = forms.ChoiceField(label=_("Rule set"), choices=_rulesets)
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("parquet", "Parquet")],
    )


class ReportForm(forms.Form):
    ruleset = forms.ChoiceField(label=_("Rule set"), choices=_rulesets)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


def _statistics_reader(request: AuthenticatedRequest) -> None:
    if not can_see_statistics(request.user):
        raise Http404


def _job(request: AuthenticatedRequest, job_id: str) -> tasks.Job:
    _statistics_reader(request)
    try:
        job = tasks.load_job(job_id)
    except FileNotFoundError:
        raise Http404 from None
    if job.owner_id != request.user.pk:
        raise Http404
    return job


def _data_uri(svg: str) -> str:
    # Inline as data: (the CSP allows images from data:), no request per chart.
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@login_required
def overview(request: AuthenticatedRequest) -> HttpResponse:
    """The dashboard: outcomes, headline figures, charts, export forms."""
    _statistics_reader(request)
    # The statistics stack (pandas, pyarrow, reportlab: about 100 MB) is loaded
    # by the first dashboard served, not by every process that loads the URLconf.
    from epidemiology import report  # noqa: PLC0415

    ruleset_id = settings.ACTIVE_PAEDIATRIC_RULESET
    minimum = settings.SMALL_CELL_MINIMUM
    figures = report.gather_figures(ruleset_id=ruleset_id, minimum=minimum)
    language = request.LANGUAGE_CODE
    initial = {"ruleset": ruleset_id, "language": language}
    return render(
        request,
        "epidemiology/overview.html",
        {
            "ruleset_id": ruleset_id,
            "minimum": minimum,
            "figures": figures,
            "table": figures.outcomes,
            "rows": [
                (outcome, Outcome(outcome).label, count)
                for outcome, count in figures.outcomes.cells.items()
            ],
            "charts": [
                (name, title, _data_uri(report.chart_svg(name, figures, language)))
                for name, title in CHART_TITLES.items()
            ],
            "table_form": TableExportForm(initial=initial, prefix="table"),
            "report_form": ReportForm(initial=initial, prefix="report"),
        },
    )


@login_required
def export_table(request: AuthenticatedRequest) -> HttpResponse:
    _statistics_reader(request)
    form = TableExportForm(request.POST or None, prefix="table")
    if request.method != "POST" or not form.is_valid():
        return redirect("epidemiology:overview")
    job = tasks.start_export(
        acting_user=request.user,
        kind=ExportKind.TABLE,
        ruleset_id=form.cleaned_data["ruleset"],
        minimum=settings.SMALL_CELL_MINIMUM,
        language=request.LANGUAGE_CODE,
        table=form.cleaned_data["table"],
        file_format=form.cleaned_data["file_format"],
    )
    return redirect("epidemiology:export-detail", job_id=job.id)


@login_required
def export_report(request: AuthenticatedRequest) -> HttpResponse:
    _statistics_reader(request)
    form = ReportForm(request.POST or None, prefix="report")
    if request.method != "POST" or not form.is_valid():
        return redirect("epidemiology:overview")
    job = tasks.start_export(
        acting_user=request.user,
        kind=ExportKind.REPORT,
        ruleset_id=form.cleaned_data["ruleset"],
        minimum=settings.SMALL_CELL_MINIMUM,
        language=form.cleaned_data["language"],
    )
    return redirect("epidemiology:export-detail", job_id=job.id)


@login_required
def export_detail(request: AuthenticatedRequest, job_id: str) -> HttpResponse:
    job = _job(request, job_id)
    return render(request, "epidemiology/export_detail.html", {"job": job})


@login_required
def export_status(request: AuthenticatedRequest, job_id: str) -> JsonResponse:
    """Polled by static/js/export_progress.js while the export runs."""
    job = _job(request, job_id)
    return JsonResponse(
        {
            "status": job.status,
            "progress": job.progress,
            "done": job.done,
            "download_url": reverse("epidemiology:export-download", args=[job.id])
            if job.status == tasks.DONE
            else "",
        }
    )


@login_required
def export_download(request: AuthenticatedRequest, job_id: str) -> FileResponse:
    job = _job(request, job_id)
    if job.status != tasks.DONE:
        raise Http404
    return FileResponse(
        tasks.job_file(job).open("rb"), as_attachment=True, filename=job.file_name
    )
