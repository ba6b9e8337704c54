"""The files of the statistics pages' export jobs: the report's figures as a
table (outcomes, LDL-C distribution, screening samples per quarter, cascade) in
CSV, XLSX or Parquet, or the PDF report, so page, PDF and downloads publish the
same cells. `writers.write_table` writes a table (a hidden cell is empty or
null). Run by `tasks.run_export`, which records the file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from django.utils import timezone, translation

from epidemiology import report, writers
from epidemiology.models import ExportKind
from followup.models import InvitationState
from screening.models import Outcome

if TYPE_CHECKING:
    from epidemiology.tasks import Job


def table_frame(
    figures: report.Figures, table: str, language: str
) -> tuple[pd.DataFrame, int]:
    """The table as a frame (count null where hidden) and its hidden cells."""
    rows: list[tuple[object, ...]]
    with translation.override(language):
        if table == "outcomes":
            rows = [
                (code, str(Outcome(code).label), count)
                for code, count in figures.outcomes.cells.items()
            ]
            rows.append(("total", str(translation.gettext("Total")), figures.children))
            columns = ["outcome", "label", "children"]
        elif table == "ldl_distribution":
            rows = [(label, count) for label, count in figures.ldl_bins]
            columns = ["ldl_mmol_l_from", "children"]
        elif table == "screenings_by_quarter":
            rows = list(figures.quarters)
            columns = ["quarter", "samples"]
        else:
            rows = [
                (state, str(InvitationState(state).label), count)
                for state, count in figures.cascade.cells.items()
            ]
            columns = ["state", "label", "relatives"]
    frame = pd.DataFrame(rows, columns=columns)
    count = columns[-1]
    frame[count] = pd.array(frame[count].tolist(), dtype="Int64")
    return frame, int(frame[count].isna().sum())


def produce(
    job: Job, folder: Path, on_progress: Callable[[float], None]
) -> tuple[str, int, int]:
    """Write the job's file; (file name, rows, hidden cells)."""
    stamp = timezone.localdate().isoformat()
    if job.kind == ExportKind.REPORT:
        name = f"fh-registry-report-{job.ruleset_id}-{job.language}-{stamp}.pdf"
        pdf = report.build_report(
            ruleset_id=job.ruleset_id,
            language=job.language,
            minimum=job.minimum,
            progress=on_progress,
        )
        (folder / name).write_bytes(pdf)
        return name, 0, 0
    figures = report.gather_figures(ruleset_id=job.ruleset_id, minimum=job.minimum)
    on_progress(0.6)
    frame, hidden = table_frame(figures, job.table, job.language)
    stem = f"fh-registry-{job.table}-{job.ruleset_id}-{stamp}"
    written = writers.write_table(frame, folder / stem, job.file_format)
    return written.name, len(frame), hidden
