"""FHIR exchange at volume: the bulk NDJSON export of 100,000 children (goal
>= 20,000 resources/s), side by side with serialising the same resources one by
one through fhir.resources; and a batch Bundle of 10,000 lab Observations posted
to /api/v1/fhir/ (goal >= 5,000 Observations/s).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fh_registry \
        python benchmarks/fhir.py [--children 100000] [--observations 10000] [--keep]

Creates a throwaway database `fh_bench_fhir` next to DATABASE_URL's, migrates
it, writes `--children` children by set-based SQL (one sample each with total,
HDL and LDL cholesterol and triglycerides as entered, in mg/dL or mmol/L, and
one EAS 2026 assessment; every tenth child a second sample), then

1. runs `manage.py fhir_export` as a child process: wall time (Django start-up
   included) and resources per second;
2. in one child process, builds the resources of the first `--sample` children
   and serialises them twice: as the export does (the mapping's JSON, written
   by pydantic-core's to_json) and one by one through fhir.resources
   (model_validate, then model_dump_json), and prints both rates;
3. posts a batch Bundle of `--observations` Observations (new children, four
   values per sample, each Patient and contained Specimen as a lab sends them)
   through Django's test client to POST /api/v1/fhir/, after a request to
   `metadata` and a Bundle of one child (a running server has loaded its URLs
   and the FHIR definitions it reads by), and prints Observations per second
   (the request's JSON parsing, reading, the lab-file pipeline and the answer
   included); beside it, as a yardstick on a shared machine, the rate at which
   fhir.resources validates the same entries one by one.

Drops the database at the end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The project, not this folder, heads sys.path: benchmarks/queue.py would
# shadow the standard library's queue (psycopg uses it).
sys.path[0] = str(Path(__file__).resolve().parents[1])

import psycopg

from benchmarks import bench_db

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "fh_bench_fhir"
PRACTICES = 20
EXPORT_GOAL = 20_000  # resources/s
IMPORT_GOAL = 5_000  # Observations/s


def manage(*arguments: str, **run: Any) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": bench_db.database_url(BENCH_DB),
        "DJANGO_ENV": "test",
        "LANGUAGE_CODE": "en",
        "ALLOWED_HOSTS": "testserver",
        "MEDIA_ROOT": run.pop("media_root", str(ROOT / "var" / "media")),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        check=False,
        text=True,
        capture_output=True,
        **run,
    )
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        done.check_returncode()
    return done


# Users and practices by the ORM (their tables gain columns), the volume by SQL.
CAST = """
from fh_registry.models import Membership, Practice, Role, User
user = User.objects.create(username="bench", role=Role.PEDIATRICIAN)
Practice.objects.bulk_create(
    Practice(code=f"P{g}", name=f"Praxis {g}", district=f"Kreis {g % 12}",
             postcode_prefix=f"{(g * 37) % 990 + 10:03d}01")
    for g in range(1, PRACTICES + 1)
)
Membership.objects.create(user=user, practice=Practice.objects.get(code="P1"),
                          role=Role.PEDIATRICIAN)
"""

SEED = """
INSERT INTO screening_person (pseudonym, sex, birth_date, practice_id,
    practice_patient_number, created_at, deceased)
SELECT 'FH-B' || lpad(g::text, 9, '0'),
       CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END,
       date '2012-01-01' + ((g::bigint * 7919) % 3000)::int,
       (SELECT min(id) FROM fh_registry_practice) + (g * 31) % {practices},
       'PPN-' || g, now(), false
  FROM generate_series(1, {children}) g;
INSERT INTO screening_labresult (person_id, sample_date, sample_type, fasting,
    lab_sample_id, entered_unit, total_cholesterol_entered,
    hdl_cholesterol_entered, ldl_cholesterol_entered, triglycerides_entered,
    ldl_method, ldl_computed_here, tc_mmol_l, hdl_mmol_l, ldl_mmol_l, tg_mmol_l,
    lipoprotein_a_unit, secondary_cause, source, created_at, entered_by_id)
SELECT p.id, date '2025-06-01' + (p.id % 300)::int,
       CASE WHEN p.id % 3 = 0 THEN 'venous' ELSE 'capillary' END,
       p.id % 2 = 0, 'L-' || p.id,
       CASE WHEN p.id % 4 = 0 THEN 'mg/dL' ELSE 'mmol/L' END,
       CASE WHEN p.id % 4 = 0 THEN 180 + p.id % 60 ELSE 4.2 + (p.id % 30) / 10.0 END,
       CASE WHEN p.id % 4 = 0 THEN 50 ELSE 1.3 END,
       CASE WHEN p.id % 4 = 0 THEN 110 + p.id % 60 ELSE 2.4 + (p.id % 30) / 10.0 END,
       CASE WHEN p.id % 4 = 0 THEN 80 ELSE 0.9 END,
       'direct', false, 4.5, 1.3, 2.9, 0.9, '', '', 'import', now(),
       (SELECT id FROM fh_registry_user WHERE username = 'bench')
  FROM screening_person p
UNION ALL
SELECT p.id, date '2026-01-10', 'venous', true, 'L2-' || p.id, 'mmol/L',
       5.0, 1.2, 3.3, 1.0, 'calculated', false, 5.0, 1.2, 3.3, 1.0, '', '',
       'import', now(), (SELECT id FROM fh_registry_user WHERE username = 'bench')
  FROM screening_person p WHERE p.id % 10 = 0;
INSERT INTO screening_assessment (person_id, lab_result_id, ruleset_id,
    ruleset_version, outcome, criterion, alerts, ldl_source, inputs, created_at,
    created_by_id, reason_codes, ldl_mmol_l)
SELECT r.person_id, r.id, 'eas2026', '2026.1',
       CASE WHEN r.ldl_mmol_l > 4.5 THEN 'positive' ELSE 'negative' END,
       '', '[]', 'direct', '{{}}', now(), r.entered_by_id, '[]', r.ldl_mmol_l
  FROM screening_labresult r;
ANALYZE;
"""


def seed(children: int, params: dict[str, Any]) -> None:
    manage("shell", "-c", CAST.replace("PRACTICES", str(PRACTICES)))
    with psycopg.connect(dbname=BENCH_DB, autocommit=True, **params) as db:
        db.execute(SEED.format(children=children, practices=PRACTICES))


# Side by side, in one process on the same records: the export's way (the
# mapping's dicts through json) and fhir.resources one by one.
SIDE_BY_SIDE = """
import json, time
from fhir.resources.R4B import get_fhir_model_class
from pydantic_core import to_json
from interop import queries
from interop.bundles import record_resources
from interop.resources import Naming
from screening.models import Person

persons = queries.person_rows(Person.objects.order_by("pk")[:SAMPLE])
records = queries.read_records(persons)
naming = Naming(patient=lambda pk: f"p{pk}", research=True)
started = time.perf_counter()
listed = [r for record in records for rs in record_resources(record, naming).values()
          for r in rs]
built = time.perf_counter() - started
started = time.perf_counter()
plain = b"".join(to_json(r) + b"\\n" for r in listed)
as_json = time.perf_counter() - started
models = {}
started = time.perf_counter()
one_by_one = "".join(
    models.setdefault(r["resourceType"], get_fhir_model_class(r["resourceType"]))
    .model_validate(r).model_dump_json(exclude_none=True) + "\\n"
    for r in listed
)
by_model = time.perf_counter() - started
print(json.dumps({"resources": len(listed), "build_s": built, "json_s": as_json,
                  "fhir_resources_s": by_model}))
"""

# A batch Bundle of new children posted as a lab system would, through the view.
IMPORT = """
import json, time, uuid
from datetime import date, timedelta
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class
from fh_registry.models import User
from screening.models import ImportBatch, LabResult

OBSERVATIONS = COUNT
UCUM = "http://unitsofmeasure.org"
day = (date.today() - timedelta(days=5)).isoformat()
panel = (("2093-3", 240), ("2085-9", 50), ("18262-6", 160), ("2571-8", 90))


def lab_entries(prefix, children):
    entries = []
    for child in range(children):
        patient = f"urn:uuid:{uuid.uuid4()}"
        entries.append({"fullUrl": patient,
            "request": {"method": "POST", "url": "Patient"},
            "resource": {"resourceType": "Patient", "gender": "female",
                         "birthDate": "2016-04-02",
                         "identifier": [{"type": {"text": "MR"},
                                         "value": f"{prefix}{child}"}]}})
        for loinc, value in panel:
            entries.append({"fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "request": {"method": "POST", "url": "Observation"},
                "resource": {"resourceType": "Observation", "status": "final",
                    "identifier": [{"system": "urn:lab:result",
                                    "value": f"{prefix}{child}-{loinc}"}],
                    "code": {"coding": [{"system": "http://loinc.org",
                                         "code": loinc}]},
                    "subject": {"reference": patient},
                    "effectiveDateTime": day + "T08:00:00+01:00",
                    "valueQuantity": {"value": value, "unit": "mg/dL",
                                      "system": UCUM, "code": "mg/dL"},
                    "contained": [{"resourceType": "Specimen", "id": "s",
                        "accessionIdentifier": {"value": f"S-{prefix}{child}"},
                        "type": {"coding": [{"system": "http://snomed.info/sct",
                                             "code": "122555007"}]}}],
                    "specimen": {"reference": "#s"}}})
    return entries


def as_body(entries):
    return json.dumps({"resourceType": "Bundle", "type": "batch", "entry": entries})


def post(body):
    return client.post("/api/v1/fhir/?practice=P1", body,
                       content_type="application/fhir+json")


client = Client()
client.force_login(User.objects.get(username="bench"))
# A running server has loaded its URLs and the FHIR definitions it reads by.
client.get("/api/v1/fhir/metadata")
assert post(as_body(lab_entries("WARM-", 1))).status_code == 200
# The client's own copy of the entries is not kept: a server holds none, and
# every garbage collection during the request would walk it.
body = as_body(lab_entries("NEW-", OBSERVATIONS // len(panel)))
started = time.perf_counter()
response = post(body)
seconds = time.perf_counter() - started
entries = json.loads(body)["entry"]
models = {kind: get_fhir_model_class(kind) for kind in ("Patient", "Observation")}
started = time.perf_counter()
for entry in entries:
    models[entry["resource"]["resourceType"]].model_validate(entry["resource"])
validate_s = time.perf_counter() - started
answer = json.loads(response.content)
created = sum(e["response"]["status"] == "201 Created" for e in answer["entry"])
stored = LabResult.objects.filter(person__practice_patient_number__startswith="NEW-")
print(json.dumps({"status": response.status_code, "seconds": seconds,
                  "validate_s": validate_s,
                  "entries": len(entries), "created": created,
                  "lab_results": stored.count(),
                  "batches": ImportBatch.objects.count()}))
"""


def run_export(children: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "dic"
        started = time.perf_counter()
        done = manage("fhir_export", "--output", str(output))
        seconds = time.perf_counter() - started
        size_mb = sum(f.stat().st_size for f in output.iterdir()) / 1e6
    print(done.stdout.strip())
    resources = sum(
        int(line.split(": ")[1].split()[0])
        for line in done.stdout.splitlines()
        if line.endswith(" resources") and ".ndjson:" in line
    )
    rate = resources / seconds
    print(
        f"fhir_export of {children:,} children: {resources:,} resources in "
        f"{seconds:.2f} s wall (Django start-up included), {rate:,.0f} resources/s, "
        f"{size_mb:.0f} MB NDJSON"
    )
    print(
        f"goal >= {EXPORT_GOAL:,} resources/s:",
        "met" if rate >= EXPORT_GOAL else "MISSED",
    )


def run_side_by_side(sample: int) -> None:
    done = manage("shell", "-c", SIDE_BY_SIDE.replace("SAMPLE", str(sample)))
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    count = figures["resources"]
    print(
        f"the same resources of {sample:,} children ({count:,}), serialised: "
        f"mapping + to_json {count / (figures['build_s'] + figures['json_s']):,.0f}/s "
        f"(to_json alone {count / figures['json_s']:,.0f}/s); one by one through "
        f"fhir.resources (validate + dump) {count / figures['fhir_resources_s']:,.0f}/s"
    )


def run_import(observations: int, media_root: str) -> None:
    done = manage(
        "shell",
        "-c",
        IMPORT.replace("COUNT", str(observations)),
        media_root=media_root,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    rate = observations / figures["seconds"]
    print(
        f"batch Bundle of {observations:,} Observations ({figures['entries']:,} "
        f"entries with the Patients): HTTP {figures['status']} in "
        f"{figures['seconds']:.2f} s, {rate:,.0f} Observations/s; "
        f"{figures['created']:,} entries created, "
        f"{figures['lab_results']:,} lab results stored"
    )
    print(
        "the same entries validated one by one through fhir.resources: "
        f"{figures['entries'] / figures['validate_s']:,.0f} entries/s"
    )
    print(
        f"goal >= {IMPORT_GOAL:,} Observations/s:",
        "met" if rate >= IMPORT_GOAL else "MISSED",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--observations", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    params = bench_db.admin_params()
    bench_db.recreate_database(params, BENCH_DB)
    try:
        manage("migrate", "-v0")
        started = time.perf_counter()
        seed(args.children, params)
        seconds = time.perf_counter() - started
        print(f"seeded {args.children:,} children in {seconds:.1f} s")
        run_export(args.children)
        run_side_by_side(min(args.sample, args.children))
        with tempfile.TemporaryDirectory() as media:
            run_import(args.observations, media)
    finally:
        if not args.keep:
            bench_db.recreate_database(params, BENCH_DB, drop_only=True)


if __name__ == "__main__":
    main()
