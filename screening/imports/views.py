"""Upload page for lab files: upload, progress while the task runs, summary, report.

Pediatricians and coordinators only; a batch of another practice is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fh_registry.access import can_import_results, visible_practices
from fh_registry.models import Practice, User
from fh_registry.requests import AuthenticatedRequest
from screening.imports.pipeline import start_import
from screening.imports.report import report_lines
from screening.models import ImportBatch, ImportRowError, ImportStatus

ERRORS_SHOWN = 200


class UploadForm(forms.Form):
    practice = forms.ModelChoiceField(
        label=gettext_lazy("Practice"), queryset=Practice.objects.none()
    )
    file = forms.FileField(
        label=gettext_lazy("Lab file (CSV or XLSX)"),
        help_text=gettext_lazy("UTF-8 CSV with , or ; separators, or XLSX."),
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        practices = visible_practices(user)
        field = self.fields["practice"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = practices
        if practices.count() == 1:
            field.initial = practices.first()


def _batches(request: AuthenticatedRequest) -> QuerySet[ImportBatch]:
    if not can_import_results(request.user):
        raise Http404
    return ImportBatch.objects.for_user(request.user).select_related("practice")


@login_required
def batch_list(request: AuthenticatedRequest) -> HttpResponse:
    """The upload form and the latest batches of the user's practices."""
    batches = _batches(request)
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            started = start_import(
                acting_user=request.user,
                practice=form.cleaned_data["practice"],
                file_name=upload.name,
                chunks=upload.chunks(),
                language=request.LANGUAGE_CODE,
            )
        except ValidationError as error:
            form.add_error("file", error.error_dict["file"])
        else:
            if not started.duplicate:
                return redirect("imports:batch-detail", pk=started.batch.pk)
            if batches.filter(pk=started.batch.pk).exists():
                messages.info(
                    request,
                    _("This file was already imported (batch %(id)s).")
                    % {"id": started.batch.pk},
                )
                return redirect("imports:batch-detail", pk=started.batch.pk)
            form.add_error("file", _("This file was already imported."))
    return render(
        request,
        "screening/imports/batch_list.html",
        {"form": form, "batches": batches.order_by("-created_at", "-pk")[:20]},
    )


@login_required
def batch_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(_batches(request), pk=pk)
    done = batch.status not in (ImportStatus.PENDING, ImportStatus.RUNNING)
    errors = ImportRowError.objects.filter(batch=batch).order_by("line", "pk")
    return render(
        request,
        "screening/imports/batch_detail.html",
        {
            "batch": batch,
            "done": done,
            "errors": errors[:ERRORS_SHOWN] if done else [],
            "error_count": errors.count() if done else 0,
        },
    )


@login_required
def batch_status(request: AuthenticatedRequest, pk: int) -> JsonResponse:
    """Polled by static/js/import_progress.js while the import runs."""
    batch = get_object_or_404(_batches(request), pk=pk)
    return JsonResponse(
        {
            "id": batch.pk,
            "status": batch.status,
            "progress": batch.progress,
            "done": batch.status not in (ImportStatus.PENDING, ImportStatus.RUNNING),
            "rows_read": batch.rows_read,
            "rows_imported": batch.rows_imported,
            "rows_skipped": batch.rows_skipped,
            "rows_rejected": batch.rows_rejected,
        }
    )


@login_required
def batch_report(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    """The row-error report as CSV (line, column, value, code, reason, kind)."""
    batch = get_object_or_404(_batches(request), pk=pk)
    response = StreamingHttpResponse(
        report_lines(batch, request.LANGUAGE_CODE), content_type="text/csv"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="import-batch-{batch.pk}-errors.csv"'
    )
    return response
