"""Recording exports: every file or response of statistics leaves an ExportRecord
(who, which channel, what, with which settings, and the SHA-256 of its bytes)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from epidemiology.models import ExportChannel, ExportKind, ExportRecord
from fh_registry.models import User


def sha256_of(source: Path | bytes) -> str:
    digest = hashlib.sha256()
    if isinstance(source, bytes):
        digest.update(source)
        return digest.hexdigest()
    with source.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_export(
    *,
    user: User | None,
    actor: str,
    channel: ExportChannel,
    name: str,
    file_format: str,
    content: Path | bytes,
    minimum: int,
    rows: int,
    rows_suppressed: int,
    kind: ExportKind = ExportKind.TABLE,
    parameters: dict[str, Any] | None = None,
) -> ExportRecord:
    """The export's record; `content` is the file written or the bytes sent."""
    return ExportRecord.objects.create(
        user=user,
        actor=actor,
        channel=channel,
        kind=kind,
        name=name,
        file_format=file_format,
        parameters=parameters or {},
        small_cell_minimum=minimum,
        rows=rows,
        rows_suppressed=rows_suppressed,
        sha256=sha256_of(content),
    )
