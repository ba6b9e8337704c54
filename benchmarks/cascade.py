"""Planning every pending cascade invitation of the registry, side by side.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fh_registry \\
        python benchmarks/cascade.py [--families 100000] [--naive-families 1000] \\
            [--affected-share 0.3] [--db fh_bench_cascade] [--keep-db]

Builds a database of its own (`--db`, dropped and created next to
DATABASE_URL's, migrated) and fills it with `--families` families of 3–15
persons over three generations (grandparents, parents with aunts and uncles,
children and cousins; a fifth of the grandmothers deceased). In
`--affected-share` of the families the eldest child carries a P/LP variant (the
index case); in a tenth of those the mother carries it too and the maternal
grandfather tested negative (an obligate-carrier grandmother); in a twentieth
the mother already has a proposed invitation; a few other families carry a VUS.
The fixture is written with `bulk_create` straight into the tables (no history
rows, no services, no signals): it is the starting state to measure, not what
is measured.

Then, side by side:
  (a) naive: per family, the ORM walk a view would do — fetch the index, then
      each relative one query at a time (parents, children), each person's
      genetic results, assessments, consents and invitation one query at a
      time — then `cascade.plan`; on `--naive-families` affected families,
      extrapolated to all of them (it writes nothing);
  (b) `invitations.registry_families()` + `cascade.plan` per family: the
      set-based read and the planning alone (writes nothing);
  (c) `invitations.plan_all()`: (b) plus writing the invitations, their
      history and a queue task each (and its history), in one transaction;
  (d) `plan_all()` again: nothing left to plan (idempotent).

Prints the figures against the goal (plan all pending invitations < 10 s);
drops the database at the end unless `--keep-db`.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# Run as a script, this folder heads sys.path, and benchmarks/queue.py would
# stand in for the standard library's `queue` (which psycopg imports).
sys.path.pop(0)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import bench_db

GOAL_SECONDS = 10.0
VARIANT = "c.2312-3C>A"

# Who is added to a family, in this order, as it grows from 3 to 15 persons:
# (role, sex, generation, mother's role, father's role).
BASE = [
    ("grandmother_m", "F", 0, None, None),
    ("mother", "F", 1, "grandmother_m", "grandfather_m"),
    ("child0", "F", 2, "mother", "father"),
]
EXTRA = [
    ("father", "M", 1, "grandmother_p", "grandfather_p"),
    ("grandfather_m", "M", 0, None, None),
    ("child1", "M", 2, "mother", "father"),
    ("child2", "F", 2, "mother", "father"),
    ("grandmother_p", "F", 0, None, None),
    ("grandfather_p", "M", 0, None, None),
    ("aunt", "F", 1, "grandmother_m", "grandfather_m"),
    ("child3", "M", 2, "mother", "father"),
    ("uncle", "M", 1, "grandmother_p", "grandfather_p"),
    ("cousin0", "F", 2, "aunt", None),
    ("child4", "F", 2, "mother", "father"),
    ("cousin1", "M", 2, "aunt", None),
]
BORN = {0: 1950, 1: 1978, 2: 2008}


@dataclass
class Built:
    families: list[dict[str, int]]  # role -> person pk
    affected: list[int]  # index of families with an index case
    persons: int


def timed(label: str, run: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    sys.stdout.write(f"  {label:<58} {seconds:9.2f} s\n")
    sys.stdout.flush()
    return seconds, result


def build(families: int, affected_share: float, seed: int = 2026) -> Built:
    """The fixture, by bulk_create: persons generation by generation (a parent
    needs its key before a child can name it), then genetic results and a few
    existing invitations."""
    from django.db import connection  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from fh_registry.demo import ensure_demo_cast  # noqa: PLC0415
    from fh_registry.models import Practice  # noqa: PLC0415
    from followup.models import CascadeInvitation  # noqa: PLC0415
    from screening.models import GeneticResult, Person  # noqa: PLC0415

    rng = random.Random(seed)
    user = ensure_demo_cast(password="bench")["ped_a"]
    practice = Practice.objects.get(code="DEMO-A")
    shapes = [BASE + EXTRA[: rng.randint(3, 15) - 3] for _ in range(families)]
    built: list[dict[str, int]] = [{} for _ in range(families)]
    total = 0
    for generation in (0, 1, 2):
        rows: list[tuple[int, str, Person]] = []
        for number, shape in enumerate(shapes):
            ids = built[number]
            for role, sex, gen, mother, father in shape:
                if gen != generation:
                    continue
                born = date(BORN[gen] + rng.randint(0, 8), rng.randint(1, 12), 1)
                rows.append(
                    (
                        number,
                        role,
                        Person(
                            practice=practice,
                            sex=sex,
                            birth_date=born,
                            mother_id=ids.get(mother or ""),
                            father_id=ids.get(father or ""),
                            deceased=role == "grandmother_m" and rng.random() < 0.2,
                        ),
                    )
                )
        Person.objects.bulk_create([p for _, _, p in rows], batch_size=5000)
        for number, role, person in rows:
            built[number][role] = person.pk
        total += len(rows)
    affected = [n for n in range(families) if rng.random() < affected_share]
    results, invited = [], []
    today = timezone.localdate()

    def result(pk: int, finding: str, acmg: str) -> GeneticResult:
        return GeneticResult(
            person_id=pk,
            gene="LDLR",
            hgvs_c=VARIANT,
            finding=finding,
            acmg_class=acmg,
            lab="Bench lab",
            report_date=today - timedelta(days=30),
            retain_until=today + timedelta(days=3650),
            entered_by=user,
        )

    for n in affected:
        ids = built[n]
        results.append(result(ids["child0"], "carrier", "pathogenic"))
        if "grandfather_m" in ids and rng.random() < 0.1:
            results.append(result(ids["mother"], "carrier", "pathogenic"))
            results.append(result(ids["grandfather_m"], "non_carrier", ""))
        elif rng.random() < 0.05:
            invited.append(
                CascadeInvitation(
                    relative_id=ids["mother"],
                    because_id=ids["child0"],
                    relation="mother",
                    test="genetic",
                    variant=VARIANT,
                )
            )
    affected_set = set(affected)
    for n in range(families):
        if n not in affected_set and rng.random() < 0.02:
            results.append(result(built[n]["child0"], "carrier", "vus"))
    GeneticResult.objects.bulk_create(results, batch_size=5000)
    CascadeInvitation.objects.bulk_create(invited, batch_size=5000)
    # A registry's tables are vacuumed and have planner statistics; freshly
    # bulk-loaded ones are not until autovacuum comes by, which would then run
    # beside the measurements (and the first read would time a bad plan).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return Built(built, affected, total)


def naive_family(index_pk: int) -> list[Any]:
    """The per-family ORM walk: one query per person and per fact."""
    from django.db.models import Q  # noqa: PLC0415

    from followup import cascade, invitations  # noqa: PLC0415
    from followup.models import CascadeInvitation  # noqa: PLC0415
    from screening.models import (  # noqa: PLC0415
        Assessment,
        Consent,
        GeneticResult,
        Person,
    )

    seen: dict[int, Person] = {}
    todo = [index_pk]
    while todo:
        pk = todo.pop()
        if pk in seen:
            continue
        person = Person.objects.get(pk=pk)
        seen[pk] = person
        todo.extend(p for p in (person.mother_id, person.father_id) if p)
        todo.extend(
            Person.objects.filter(Q(mother_id=pk) | Q(father_id=pk)).values_list(
                "pk", flat=True
            )
        )
    members = []
    for pk, person in sorted(seen.items(), key=lambda i: (i[1].birth_date, i[0])):
        genetic = None
        for g in GeneticResult.objects.filter(person_id=pk):
            if g.finding == "non_carrier" or g.acmg_class in (
                "pathogenic",
                "likely_pathogenic",
                "vus",
            ):
                genetic = cascade.Genetic(
                    result="non_carrier" if g.finding == "non_carrier" else "carrier",
                    gene=g.gene,
                    hgvs=g.hgvs_c,
                    acmg_class=g.acmg_class,
                )
        latest = (
            Assessment.objects.filter(person_id=pk)
            .order_by("-lab_result__sample_date", "-pk")
            .first()
        )
        withdrawn = Consent.objects.filter(
            person_id=pk, withdrawn_on__isnull=False
        ).exists()
        invitation = CascadeInvitation.objects.filter(relative_id=pk).first()
        members.append(
            cascade.Member(
                id=str(pk),
                sex="female" if person.sex == "F" else "male",
                birth_date=person.birth_date,
                mother=str(person.mother_id) if person.mother_id else None,
                father=str(person.father_id) if person.father_id else None,
                deceased=person.deceased,
                consent_withdrawn=withdrawn,
                genetic=genetic,
                outcome=latest.outcome if latest else None,
                invitation=invitation.state if invitation else None,
            )
        )
    del invitations  # the naive walk uses none of the set-based loaders
    return cascade.plan(members)


def run(args: argparse.Namespace) -> None:
    import django  # noqa: PLC0415

    django.setup()
    from django.core.management import call_command  # noqa: PLC0415

    from followup import cascade, invitations  # noqa: PLC0415
    from followup.models import CascadeInvitation, Task  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    sys.stdout.write(
        f"Cascade planning: {args.families:,} families, "
        f"{args.affected_share:.0%} with an index case\n"
    )
    _, built = timed(
        "fixture (bulk_create, not measured against the goal)",
        lambda: build(args.families, args.affected_share),
    )
    sys.stdout.write(
        f"  {built.persons:,} persons, {len(built.affected):,} families with an "
        "index case\n"
    )
    sample = built.affected[: args.naive_families]
    naive_s, naive_plans = timed(
        f"(a) naive ORM walk, {len(sample):,} families",
        lambda: [naive_family(built.families[n]["child0"]) for n in sample],
    )
    per_family = naive_s / max(len(sample), 1)
    naive_all = per_family * len(built.affected)
    sys.stdout.write(
        f"      {per_family * 1000:.2f} ms per family; extrapolated to "
        f"{len(built.affected):,} families: {naive_all:,.0f} s\n"
    )

    def read_and_plan() -> int:
        return sum(len(cascade.plan(f)) for f in invitations.registry_families())

    dry_s, planned = timed(
        "(b) registry_families + cascade.plan (no writes)", read_and_plan
    )
    sys.stdout.write(f"      {planned:,} invitations planned\n")
    naive_planned = sum(len(p) for p in naive_plans)
    full_s, created = timed(
        "(c) plan_all(): read, plan, write invitations + tasks",
        invitations.plan_all,
    )
    _, again = timed("(d) plan_all() again (nothing to do)", invitations.plan_all)
    sys.stdout.write(
        f"      created {len(created):,} invitations, "
        f"{Task.objects.filter(kind='cascade_invitation').count():,} tasks; "
        f"{CascadeInvitation.objects.count():,} invitations in all; "
        f"second run created {len(again)}\n"
    )
    sys.stdout.write(
        "\nGoal: plan all pending invitations < 10 s\n"
        f"  plan_all (with writes)   {full_s:8.2f} s  "
        f"{'met' if full_s < GOAL_SECONDS else 'MISSED'}\n"
        f"  read + plan only         {dry_s:8.2f} s\n"
        f"  naive walk (extrapolated){naive_all:8.0f} s  "
        f"({naive_all / max(dry_s, 1e-9):,.0f}x the set-based read + plan)\n"
        f"  naive sample planned {naive_planned:,} invitations for "
        f"{len(sample):,} families\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=100_000)
    parser.add_argument("--naive-families", type=int, default=1_000)
    parser.add_argument("--affected-share", type=float, default=0.3)
    parser.add_argument("--db", default="fh_bench_cascade")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    params = bench_db.admin_params()
    bench_db.recreate_database(params, args.db)
    os.environ["DATABASE_URL"] = bench_db.database_url(args.db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fh_registry.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="fh-bench-cascade-")
    try:
        run(args)
    finally:
        from django.db import connections  # noqa: PLC0415

        connections.close_all()
        if not args.keep_db:
            bench_db.recreate_database(params, args.db, drop_only=True)


if __name__ == "__main__":
    main()
