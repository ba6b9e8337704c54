"""Throughput of the pure rule engine and of the classify CSV path (no database).

    python benchmarks/classify.py [--children 1000000] [--rows 100000]
        [--ruleset eas2015]

Children are generated in chunks so memory stays flat; only `evaluate` is
timed for the engine figure. The CSV figure is end to end: parse, classify,
render reasons, write.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

# The project instead of this folder at the head of sys.path: here
# benchmarks/queue.py would stand in for the standard library's queue.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from screening.rules import (
    Case,
    FamilyHistory,
    LdlMethod,
    LipidPanel,
    Occasion,
    Sex,
    Unit,
    get_ruleset,
)
from screening.rules.csvio import INPUT_COLUMNS, classify_csv

CHUNK = 100_000
FAMILY = [code.value for code in FamilyHistory][:4]


def _lab(rng: random.Random) -> tuple[str, str, str, str, str, str]:
    """unit, TC, LDL-C, HDL-C, TG, method as text: a skewed child population."""
    ldl = max(1.2, rng.gauss(2.5, 0.6) + (rng.random() < 0.05) * rng.uniform(1, 4))
    hdl = rng.uniform(1.0, 1.8)
    tg = rng.uniform(0.4, 2.0)
    tc = ldl + hdl + tg / 2.2 + rng.uniform(0, 0.2)
    method = "direct" if rng.random() < 0.9 else "calculated"
    if rng.random() < 0.5:
        return ("mmol/L", f"{tc:.2f}", f"{ldl:.2f}", f"{hdl:.2f}", f"{tg:.2f}", method)
    return (
        "mg/dL",
        f"{tc * 38.67:.0f}",
        f"{ldl * 38.67:.1f}",
        f"{hdl * 38.67:.0f}",
        f"{tg * 88.57:.0f}",
        method,
    )


def _case(rng: random.Random) -> Case:
    unit, tc, ldl, hdl, tg, method = _lab(rng)
    panel = LipidPanel(
        Unit(unit), Decimal(tc), Decimal(ldl), LdlMethod(method), Decimal(hdl),
        Decimal(tg),
    )  # fmt: skip
    family = frozenset(FamilyHistory(code) for code in FAMILY if rng.random() < 0.05)
    age = Decimal(rng.randint(500, 1499)) / 100
    return Case(rng.choice((Sex.F, Sex.M)), (Occasion(age, panel),), family)


def bench_engine(ruleset_id: str, children: int, seed: int = 1) -> float:
    """Evaluations per second over `children` generated children."""
    rng, evaluate = random.Random(seed), get_ruleset(ruleset_id).evaluate
    elapsed, done = 0.0, 0
    while done < children:
        cases = [_case(rng) for _ in range(min(CHUNK, children - done))]
        start = time.perf_counter()
        for case in cases:
            evaluate(case)
        elapsed += time.perf_counter() - start
        done += len(cases)
    return done / elapsed


def make_csv(rows: int, seed: int = 2) -> str:
    """A generated classify input with `rows` rows."""
    rng = random.Random(seed)
    lines = [",".join(INPUT_COLUMNS)]
    for index in range(rows):
        unit, tc, ldl, hdl, tg, method = _lab(rng)
        family = ";".join(code for code in FAMILY if rng.random() < 0.05)
        age = f"{rng.randint(500, 1499) / 100:.2f}"
        sex = rng.choice("FM")
        lines.append(
            f"K{index},{age},{sex},{unit},{tc},{ldl},{method},{hdl},{tg},,{family},,"
        )
    return "\n".join(lines) + "\n"


def bench_csv(ruleset_id: str, rows: int) -> float:
    """Rows per second for the whole classify path on a generated CSV."""
    text = make_csv(rows)
    start = time.perf_counter()
    classify_csv(io.StringIO(text), io.StringIO(), ruleset_id)
    return rows / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--ruleset", action="append", help="repeatable; default: all paediatric"
    )
    args = parser.parse_args()
    rulesets = args.ruleset or [
        "vroni",
        "eas2015",
        "eas2026",
        "simon-broome-paediatric",
    ]
    print(f"{'rule set':<26}{'engine rows/s':>16}{'CSV rows/s':>14}")
    for ruleset_id in rulesets:
        engine = bench_engine(ruleset_id, args.children)
        csv_rate = bench_csv(ruleset_id, args.rows)
        print(f"{ruleset_id:<26}{engine:>16,.0f}{csv_rate:>14,.0f}")
    print(
        f"goals: engine >= 200,000/s on {args.children:,} children; "
        f"CSV >= 50,000/s on {args.rows:,} rows"
    )


if __name__ == "__main__":
    main()
