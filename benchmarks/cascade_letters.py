"""The cascade letter batch: 1,000 invitation letters (goal >= 100 PDFs/s).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python benchmarks/cascade_letters.py [--letters 1000] \
            [--workers 2] [--db fh_bench_letters] [--keep-db]

Builds a throwaway database of its own (`--db`, dropped and created on
DATABASE_URL's server, migrated). The families are bulk-created for speed
(bulk_create of persons, identities, genetic results, proposed invitations and
their queue tasks, as `invitations.replan` writes them), not through the
services: the planner is not what is measured. The letters then go the real way,
`followup.letters.invitation_letters`, which per invitation issues an answer
code (`invitations.issue_answer_code`) and moves it proposed -> invited
(`invitations.set_state`, completing its task), all audited, then lays out the
PDF. Each way gets its own fresh cohort of `--letters` proposed invitations:

  (1) batch: one call for all, one PDF;
  (2) parallel: the batch split over `--workers` processes (ProcessPool, fork),
      each writing its share in its own transaction, merged with pypdf;
  (3) naive: one call (one document, one transaction) per letter, then the
      single PDFs merged with pypdf;
  (4) reprint: the batch of (1) printed again (new codes, no state change).

Prints letters per second for each, against the goal, and checks that every PDF
has one page per letter.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder heads sys.path, and benchmarks/queue.py would
# stand in for the standard library's `queue` (which concurrent.futures imports).
sys.path.pop(0)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import importlib.util
import io
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from multiprocessing import get_context

from benchmarks import bench_db

GOAL_PER_S = 100.0


def setup_django(name: str) -> None:
    os.environ["DATABASE_URL"] = bench_db.database_url(name)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fh_registry.settings"
    os.environ["DJANGO_ENV"] = "local"
    os.environ["DEBUG"] = "false"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["CELERY_BROKER_URL"] = ""
    import django  # noqa: PLC0415

    django.setup()


# --- Families ------------------------------------------------------------------------


def build_cohort(size: int, tag: str) -> list[int]:
    """`size` proposed invitations: the two parents of size/2 index children, half
    with a pathogenic LDLR variant (genetic test), half phenotypic (lipids).
    Bulk-created; returns the invitation ids in print order."""
    from django.utils import timezone  # noqa: PLC0415

    from fh_registry.models import Practice, User  # noqa: PLC0415
    from followup.models import CascadeInvitation, Task  # noqa: PLC0415
    from screening.models import GeneticResult, Person, PersonIdentity  # noqa: PLC0415

    practices = list(Practice.objects.order_by("code"))
    entered_by = User.objects.get(username="ped_a")
    today = timezone.localdate()
    families = (size + 1) // 2
    children = Person.objects.bulk_create(
        Person(
            sex="F" if n % 2 else "M",
            birth_date=date(2016, 1, 1) + timedelta(days=n % 1500),
            practice=practices[n % len(practices)],
            practice_patient_number=f"{tag}-{n}",
        )
        for n in range(families)
    )
    parents = Person.objects.bulk_create(
        Person(
            sex=sex,
            birth_date=date(1980 + n % 10, 1, 1),
            practice=child.practice,
        )
        for n, child in enumerate(children)
        for sex in ("F", "M")
    )
    for n, child in enumerate(children):
        child.mother, child.father = parents[2 * n], parents[2 * n + 1]
    Person.objects.bulk_update(children, ["mother", "father"])
    PersonIdentity.objects.bulk_create(
        PersonIdentity(
            person=person,
            given_name=("Maria", "Josef", "Anna", "Lukas")[n % 4],
            family_name=f"Huber{n}",
            street=f"Lindenweg {n % 90 + 1}",
            postcode=f"80{n % 1000:03d}",
            city="München",
        )
        for n, person in enumerate([*children, *parents])
    )
    GeneticResult.objects.bulk_create(
        GeneticResult(
            person=child,
            gene="LDLR",
            hgvs_c="c.681C>G",
            acmg_class="pathogenic",
            lab="Genetics lab",
            report_date=today,
            retain_until=today + timedelta(days=3650),
            entered_by=entered_by,
        )
        for n, child in enumerate(children)
        if n % 2 == 0
    )
    invitations = CascadeInvitation.objects.bulk_create(
        CascadeInvitation(
            relative=parent,
            because=child,
            relation="mother" if parent.sex == "F" else "father",
            test="genetic" if n % 2 == 0 else "lipids",
            variant="c.681C>G" if n % 2 == 0 else "",
        )
        for n, child in enumerate(children)
        for parent in parents[2 * n : 2 * n + 2]
    )[:size]
    Task.objects.bulk_create(
        Task(
            person_id=invitation.relative_id,
            practice_id=invitation.relative.practice_id,
            kind="cascade_invitation",
            due_date=today + timedelta(days=14),
            origin="cascade",
            dedupe_key=f"cascade:{invitation.pk}",
        )
        for invitation in invitations
    )
    return [invitation.pk for invitation in invitations]


def prepare(size: int, cohorts: int) -> list[list[int]]:
    from django.core.management import call_command  # noqa: PLC0415

    from fh_registry.demo import ensure_demo_cast  # noqa: PLC0415
    from fh_registry.models import Practice  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    ensure_demo_cast(password="bench-password-not-for-use")
    for practice in Practice.objects.all():
        practice.letterhead_address = "Angerstraße 7\n80331 München"
        practice.phone = "089 123 45 67"
        practice.email = "praxis@example.org"
        practice.save()
    return [build_cohort(size, f"C{n}") for n in range(cohorts)]


# --- The ways -------------------------------------------------------------------------


def letters_for(ids: list[int]) -> bytes:
    from django.db import close_old_connections  # noqa: PLC0415

    from followup import letters  # noqa: PLC0415
    from followup.models import CascadeInvitation  # noqa: PLC0415

    close_old_connections()
    found = {i.pk: i for i in CascadeInvitation.objects.filter(pk__in=ids)}
    return letters.invitation_letters([found[pk] for pk in ids], lang="de")


def merged(pdfs: list[bytes]) -> bytes:
    from pypdf import PdfWriter  # noqa: PLC0415

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(io.BytesIO(pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader  # noqa: PLC0415

    return len(PdfReader(io.BytesIO(pdf)).pages)


def timed(work: Callable[[], bytes]) -> tuple[float, bytes]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def parallel(ids: list[int], workers: int) -> tuple[float, float, bytes]:
    """Seconds to all parts, seconds to the merged PDF, the PDF."""
    from django.db import connections  # noqa: PLC0415

    connections.close_all()  # each forked worker opens its own
    chunks = [ids[n::workers] for n in range(workers)]
    chunks = [sorted(chunk) for chunk in chunks]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        parts = list(pool.map(letters_for, chunks))
    rendered = time.perf_counter() - start
    pdf = merged(parts)
    return rendered, time.perf_counter() - start, pdf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--db", default="fh_bench_letters")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    params = bench_db.admin_params()
    bench_db.recreate_database(params, args.db)
    setup_django(args.db)
    try:
        run(args)
    finally:
        from django.db import connections  # noqa: PLC0415

        connections.close_all()
        if not args.keep_db:
            bench_db.recreate_database(params, args.db, drop_only=True)


def run(args: argparse.Namespace) -> None:
    n = args.letters
    started = time.perf_counter()
    batch_ids, parallel_ids, naive_ids = prepare(n, 3)
    print(f"{3 * n} invitations bulk-created in {time.perf_counter() - started:.1f} s")
    letters_for(batch_ids[:5])  # warm up: imports, fonts, translations
    rows: list[tuple[str, float, str]] = []

    seconds, pdf = timed(lambda: letters_for(batch_ids))
    assert page_count(pdf) == n, "one page per letter"
    rows.append(("batch: one call, one PDF", seconds, f"{len(pdf) / 1e6:.1f} MB"))

    seconds, pdf = timed(lambda: letters_for(batch_ids))
    rows.append(("reprint of the batch (codes only)", seconds, ""))

    rendered, seconds, pdf = parallel(parallel_ids, args.workers)
    assert page_count(pdf) == n
    rows.append((f"parallel: {args.workers} processes, parts", rendered, ""))
    rows.append((f"parallel: {args.workers} processes + merge", seconds, ""))

    start = time.perf_counter()
    singles = [letters_for([pk]) for pk in naive_ids]
    each = time.perf_counter() - start
    pdf = merged(singles)
    both = time.perf_counter() - start
    assert page_count(pdf) == n
    rows.append(("naive: one call and PDF per letter", each, ""))
    rows.append(("naive: ... merged into one PDF", both, ""))

    from followup.models import CascadeInvitation  # noqa: PLC0415

    states = set(
        CascadeInvitation.objects.filter(
            pk__in=batch_ids + parallel_ids + naive_ids
        ).values_list("state", flat=True)
    )
    assert states == {"invited"}, states

    accel = "with" if importlib.util.find_spec("_rl_accel") else "without"
    print(
        f"\n{n} letters (German), goal >= {GOAL_PER_S:.0f} PDFs/s, "
        f"{os.cpu_count()} CPUs, {accel} reportlab's C accelerator (rl_accel)"
    )
    print(f"{'way':42} {'seconds':>8} {'PDFs/s':>8}  goal")
    for name, seconds, note in rows:
        rate = n / seconds
        verdict = "met" if rate >= GOAL_PER_S else "MISSED"
        print(f"{name:42} {seconds:8.2f} {rate:8.0f}  {verdict} {note}")


if __name__ == "__main__":
    main()
