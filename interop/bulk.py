"""The bulk export for a data integration centre, in the FHIR Bulk Data style:
one NDJSON file per resource type, pseudonymised afresh for each export.

Patients are named by study ids (HMAC-SHA256 of the person's row id under a key
drawn for this export alone, `epidemiology.extract.study_ids`, as in the
statistics extract); every other resource id is a keyed BLAKE2b MAC under the
same key, so references hold inside one export and two exports never link. The
key is never stored. No pseudonym, name, address, contact, practice patient
number or lab sample id leaves; birth dates leave as the year (DOMAIN §7).

Resources are the mapping's JSON dicts written as they are: validating each
with `fhir.resources` costs more than the export's whole budget
(benchmarks/fhir.py); the tests validate every resource type, and
`validate=True` (the command's --validate) checks every line of a real export.
They are serialised by pydantic-core's JSON encoder (`to_json`, compiled; it
comes with fhir.resources' pydantic), a third of the standard library's time
for the same bytes, and written a chunk of persons at a time.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone
from pydantic_core import to_json

from epidemiology.extract import study_ids
from epidemiology.models import ExportChannel, ExportKind, ExportRecord
from fh_registry.models import User
from interop import queries
from interop.bundles import RESOURCE_TYPES, record_resources
from interop.resources import Naming, validated
from interop.rows import PersonRow
from screening.models import Person

CHUNK_PERSONS = 2000
FILE_FORMAT = "ndjson"


@dataclass
class BulkExport:
    """What an export wrote: per resource type its file, count and SHA-256."""

    folder: Path
    counts: dict[str, int] = field(default_factory=dict)
    sha256: dict[str, str] = field(default_factory=dict)
    persons: int = 0
    record: ExportRecord | None = None

    @property
    def resources(self) -> int:
        return sum(self.counts.values())

    def file_name(self, kind: str) -> str:
        return f"{kind}.{FILE_FORMAT}"


class _StudyNaming:
    """Ids under one export's key: Patients by study id, the rest by MAC."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.patients: dict[int, str] = {}

    def learn(self, person_ids: list[int]) -> None:
        missing = [pk for pk in dict.fromkeys(person_ids) if pk not in self.patients]
        if missing:
            ids = study_ids(np.array(missing, dtype=np.int64), self.key)
            self.patients.update(zip(missing, ids.tolist(), strict=True))

    def of(self, kind: str, pk: int) -> str:
        # Keyed BLAKE2b is a MAC (RFC 7693) at a fraction of HMAC-SHA256's
        # cost per call; one result's id is asked for by each of its values.
        return hashlib.blake2b(
            f"{kind}:{pk}".encode(), key=self.key, digest_size=12
        ).hexdigest()

    def naming(self) -> Naming:
        return Naming(patient=self.patients.__getitem__, of=self.of, research=True)


def export_bulk(
    persons: QuerySet[Person],
    folder: Path,
    *,
    since: date | None = None,
    progress: Callable[[float], None] | None = None,
    validate: bool = False,
    chunk_persons: int = CHUNK_PERSONS,
) -> BulkExport:
    """Write the cohort's NDJSON files into `folder` (created; must be empty)."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise FileExistsError(folder)
    cohort = queries.export_cohort(persons, today=timezone.localdate(), since=since)
    cohort_ids = set(cohort.values_list("pk", flat=True))
    total = len(cohort_ids)
    naming = _StudyNaming(secrets.token_bytes(32))
    export = BulkExport(folder, counts=dict.fromkeys(RESOURCE_TYPES, 0))
    files = {
        kind: (folder / export.file_name(kind)).open("wb") for kind in RESOURCE_TYPES
    }
    try:
        for chunk in queries.chunks(cohort, chunk_persons):
            _write_chunk(
                chunk,
                naming=naming,
                cohort_ids=cohort_ids,
                files=files,
                export=export,
                validate=validate,
            )
            export.persons += len(chunk)
            if progress is not None:
                progress(export.persons / max(total, 1))
    finally:
        for handle in files.values():
            handle.close()
    for kind in RESOURCE_TYPES:
        export.sha256[kind] = _sha256(folder / export.file_name(kind))
    return export


def _write_chunk(
    chunk: list[PersonRow],
    *,
    naming: _StudyNaming,
    cohort_ids: set[int],
    files: Mapping[str, IO[bytes]],
    export: BulkExport,
    validate: bool,
) -> None:
    records = queries.read_records(chunk)
    for record in records:
        # A relative outside the cohort (withdrawn, or outside the caller's
        # practices) is not named, not even by a study id.
        record.relatives = [r for r in record.relatives if r.person.pk in cohort_ids]
    naming.learn(
        [r.person.pk for r in records]
        + [rel.person.pk for r in records for rel in r.relatives]
    )
    study_naming = naming.naming()
    lines: dict[str, list[bytes]] = {kind: [] for kind in RESOURCE_TYPES}
    for record in records:
        for kind, listed in record_resources(record, study_naming).items():
            if validate:
                for resource in listed:
                    validated(resource)
            lines[kind] += [to_json(resource) for resource in listed]
    for kind, written in lines.items():
        if written:
            files[kind].write(b"\n".join(written) + b"\n")
            export.counts[kind] += len(written)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_bulk_export(
    export: BulkExport,
    *,
    acting_user: User | None,
    channel: ExportChannel,
    since: date | None,
) -> ExportRecord:
    """The export's ExportRecord: its SHA-256 is that of the manifest of the
    files' own SHA-256 (one line "<sha256>  <file>" per file, as sha256sum)."""
    manifest = "".join(
        f"{export.sha256[kind]}  {export.file_name(kind)}\n" for kind in RESOURCE_TYPES
    )
    record = ExportRecord(
        user=acting_user,
        actor=acting_user.get_username() if acting_user else getpass.getuser(),
        channel=channel,
        kind=ExportKind.EXTRACT,
        name=export.folder.name,
        file_format=FILE_FORMAT,
        parameters={
            "format": "fhir-bulk-ndjson",
            "fhir_version": "4.0.1",
            "since": since.isoformat() if since else None,
            "persons": export.persons,
            "files": {
                export.file_name(kind): {
                    "resources": export.counts[kind],
                    "sha256": export.sha256[kind],
                }
                for kind in RESOURCE_TYPES
            },
            "pseudonymisation": "study ids: HMAC-SHA256, fresh key per export",
        },
        rows=export.resources,
        sha256=hashlib.sha256(manifest.encode()).hexdigest(),
    )
    record.save()
    export.record = record
    return record


def read_ndjson(path: Path) -> list[dict[str, Any]]:
    """The resources of one NDJSON file (for tests and the round trip)."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def private_folder(parent: Path, name: str) -> Path:
    """A new folder readable by the owner only (0700)."""
    folder = parent / name
    folder.mkdir(parents=True, exist_ok=False)
    os.chmod(folder, 0o700)
    return folder
