"""Statistical disclosure control for published counts (pure: no Django).

DOMAIN §7: counts 1..minimum-1 are suppressed, zeros are shown, and no published
margin may let a suppressed cell be recovered by subtraction. Also here: which
rates and summary statistics may be published beside the counts, and the two
estimators the standard tables use (Wilson interval, Kaplan–Meier quantile),
kept pure so that the tests reach them without a database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd


@dataclass(frozen=True, slots=True)
class SuppressedTable:
    cells: dict[str, int | None]  # None = suppressed
    total: int | None


def suppress_counts(counts: Mapping[str, int], *, minimum: int) -> SuppressedTable:
    """Suppress small cells of a one-way table with its total.

    Counts 1..minimum-1 are hidden, zeros shown. The total is the table's one
    margin: published beside a hidden cell it gives the hidden cells' sum, and
    that pins them (two hidden 1s beside a total; a lone hidden cell outright),
    however many further cells are hidden to protect them. So wherever a cell
    is hidden the total is withheld, and a total below the minimum is too.
    """
    cells: dict[str, int | None] = {
        key: (None if 0 < value < minimum else value) for key, value in counts.items()
    }
    total: int | None = sum(counts.values())
    if None in cells.values() or (total is not None and 0 < total < minimum):
        total = None
    return SuppressedTable(cells=cells, total=total)


# --- Two-, three- and n-way tables with every margin ----------------------------
#
# A table is held with its margins as one array: along each axis the last index
# is the total over that axis, so every 1-D line of the array is "cells, then
# their sum". A hidden cell is safe only while no combination of published lines
# pins it; the lines are the whole of what a reader can subtract.

DEFAULT_MINIMUM = 10  # DOMAIN §7; the registry's setting is SMALL_CELL_MINIMUM
TOTAL = "total"  # the label of a margin in published tables

IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
FloatArray: TypeAlias = npt.NDArray[np.float64]


def with_margins(interior: npt.ArrayLike) -> IntArray:
    """The table with a total appended along every axis (and totals of totals)."""
    table: IntArray = np.asarray(interior, dtype=np.int64)
    for axis in range(table.ndim):
        table = np.concatenate([table, table.sum(axis=axis, keepdims=True)], axis=axis)
    return table


def table_lines(shape: tuple[int, ...]) -> list[IntArray]:
    """Per axis, the flat cell ids of every 1-D line, one line a row, margin last."""
    ids = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    return [
        np.moveaxis(ids, axis, -1).reshape(-1, shape[axis])
        for axis in range(len(shape))
    ]


def protect(table: IntArray, *, minimum: int) -> BoolArray:
    """Which cells of `table` (margins included, see `with_margins`) to hide.

    Primary: counts 1..minimum-1, margins too; zeros are shown. Complementary,
    repeated to a fixpoint:
    - a line with exactly one hidden cell gets a second (a margin minus the
      shown cells would give it);
    - a line with its margin shown whose hidden cells are all 1 gets another
      (their known sum equals their number, so each is 1: hidden cells are
      non-zero because zeros are shown);
    - a shown margin of any level whose hidden cells are all 1 gets another
      (the grand total 12 of twelve hidden cells: each is 1);
    - a hidden cell that the published lines still pin as a linear system (a
      "bridge" between two otherwise protected groups) gets a partner in one
      of its lines.
    The partner is the smallest non-zero shown cell of the line, an interior
    cell before the line's margin.
    """
    values = table.reshape(-1)
    hidden = (values > 0) & (values < minimum)
    lines = table_lines(table.shape)
    while True:
        while _complete_lines(lines, values, hidden) or _break_sums_of_ones(
            table, hidden
        ):
            pass
        pinned = _linearly_pinned(lines, hidden)
        if not pinned.size:
            return hidden.reshape(table.shape)
        added = [
            _hide_partner_of(int(cell), lines, table.shape, values, hidden)
            for cell in pinned
        ]
        if not any(added):
            raise ValueError("No cell left to hide: the table cannot be protected.")


def _hide_partner_of(
    cell: int,
    lines: list[IntArray],
    shape: tuple[int, ...],
    values: IntArray,
    hidden: BoolArray,
) -> bool:
    """Hide a partner in a line through `cell`; where each of them is already
    hidden or zero, the smallest shown cell of any line with a hidden cell.
    False if no cell is left to hide (an earlier partner may have freed it)."""
    for line in _lines_through(lines, shape, cell):
        partner = _partner(line, values, hidden)
        if partner is not None:
            hidden[partner] = True
            return True
    touching = np.concatenate(
        [axis_lines[hidden[axis_lines].any(axis=1)].reshape(-1) for axis_lines in lines]
    )
    free = touching[~hidden[touching] & (values[touching] > 0)]
    if not free.size:
        return False
    hidden[int(free[np.argmin(values[free])])] = True
    return True


def _partner(line: IntArray, values: IntArray, hidden: BoolArray) -> int | None:
    cells = line[:-1]
    free = cells[~hidden[cells] & (values[cells] > 0)]
    if free.size:
        return int(free[np.argmin(values[free])])
    margin = int(line[-1])
    if not hidden[margin] and values[margin] > 0:
        return margin
    return None


def _complete_lines(lines: list[IntArray], values: IntArray, hidden: BoolArray) -> bool:
    """One pass of the line rules; True if a cell was hidden."""
    changed = False
    for axis_lines in lines:
        hid = hidden[axis_lines]
        inner = hid[:, :-1]
        inner_hidden = inner.sum(axis=1)
        inner_sum = (values[axis_lines[:, :-1]] * inner).sum(axis=1)
        lone = hid.sum(axis=1) == 1
        all_ones = ~hid[:, -1] & (inner_hidden > 0) & (inner_sum == inner_hidden)
        for row in np.flatnonzero(lone | all_ones):
            line = axis_lines[row]
            if hidden[line].sum() == 1 or _all_ones(line, values, hidden):
                partner = _partner(line, values, hidden)
                if partner is not None:
                    hidden[partner] = True
                    changed = True
    return changed


def _break_sums_of_ones(table: IntArray, hidden: BoolArray) -> bool:
    """Hide a partner wherever a shown margin covers hidden cells that are all 1.

    Counted on the interior cells: a margin is the sum of the interior cells it
    covers, whatever the hidden margins between them.
    """
    interior = tuple(slice(0, n - 1) for n in table.shape)
    base_hidden = hidden.reshape(table.shape)[interior]
    base_values = table[interior]
    count = with_margins(base_hidden.astype(np.int64))
    total = with_margins(np.where(base_hidden, base_values, 0))
    flat_hidden = hidden.reshape(table.shape)
    alarms = np.argwhere(~flat_hidden & (count > 0) & (count == total))
    for index in alarms:
        cover = tuple(
            slice(None) if i == n - 1 else int(i)
            for i, n in zip(index, table.shape, strict=True)
        )
        free = ~base_hidden[cover] & (base_values[cover] > 0)
        if free.any():
            candidates = np.where(free, base_values[cover], np.iinfo(np.int64).max)
            at = np.unravel_index(int(np.argmin(candidates)), candidates.shape)
            target = _cover_index(cover, at)
        else:
            target = tuple(int(i) for i in index)
        flat_hidden[target] = True
    return bool(len(alarms))


def _cover_index(
    cover: tuple[slice | int, ...], at: tuple[np.intp, ...]
) -> tuple[int, ...]:
    """The table index of position `at` inside the sub-array `cover` selects."""
    free = iter(at)
    return tuple(int(next(free)) if isinstance(c, slice) else c for c in cover)


def _all_ones(line: IntArray, values: IntArray, hidden: BoolArray) -> bool:
    inner = line[:-1][hidden[line[:-1]]]
    return bool(not hidden[line[-1]] and inner.size and (values[inner] == 1).all())


def _lines_through(
    lines: list[IntArray], shape: tuple[int, ...], cell: int
) -> list[IntArray]:
    """The lines through `cell`, one per axis, those where it is interior first."""
    index = np.unravel_index(cell, shape)
    through = []
    for axis, axis_lines in enumerate(lines):
        others = tuple(int(i) for n, i in enumerate(index) if n != axis)
        other_shape = tuple(s for n, s in enumerate(shape) if n != axis)
        row = int(np.ravel_multi_index(others, other_shape)) if others else 0
        through.append(axis_lines[row])
    return sorted(through, key=lambda line: int(line[-1]) == cell)


def _linearly_pinned(lines: list[IntArray], hidden: BoolArray) -> IntArray:
    """Hidden cells whose value the published lines determine.

    Each line says sum(interior) - margin = 0; with the shown cells moved to
    the right-hand side, a hidden cell is free exactly when some solution of
    the homogeneous system moves it, i.e. when its unit vector has a component
    in the null space. Solved per group of hidden cells linked by lines.
    """
    cells = np.flatnonzero(hidden)
    if not cells.size:
        return cells
    column = {int(cell): n for n, cell in enumerate(cells)}
    rows: list[list[tuple[int, float]]] = []
    for axis_lines in lines:
        for line in axis_lines[hidden[axis_lines].any(axis=1)]:
            rows.append(
                [
                    (column[int(cell)], -1.0 if position == len(line) - 1 else 1.0)
                    for position, cell in enumerate(line)
                    if hidden[cell]
                ]
            )
    pinned: list[int] = []
    for group in _groups(len(cells), rows):
        pinned.extend(int(cells[n]) for n in _pinned_in_group(group, rows))
    return np.asarray(sorted(pinned), dtype=np.int64)


def _groups(size: int, rows: list[list[tuple[int, float]]]) -> list[list[int]]:
    parent = list(range(size))

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for row in rows:
        first = root(row[0][0])
        for other, _sign in row[1:]:
            parent[root(other)] = first
    groups: dict[int, list[int]] = {}
    for n in range(size):
        groups.setdefault(root(n), []).append(n)
    return list(groups.values())


def _pinned_in_group(
    group: list[int], rows: list[list[tuple[int, float]]]
) -> list[int]:
    local = {n: k for k, n in enumerate(group)}
    equations = [row for row in rows if row[0][0] in local]
    matrix = np.zeros((len(equations), len(group)))
    for r, row in enumerate(equations):
        for n, sign in row:
            matrix[r, local[n]] = sign
    gram = matrix.T @ matrix
    eigenvalues, vectors = np.linalg.eigh(gram)
    null = vectors[:, eigenvalues < 1e-9 * max(1.0, float(eigenvalues.max()))]
    freedom = (null**2).sum(axis=1)
    return [n for n, free in zip(group, freedom, strict=True) if free < 1e-9]


def round_to_base(counts: IntArray, *, base: int = 5) -> IntArray:
    """NHS-style rounding of published counts to the nearest multiple of `base`."""
    rounded: IntArray = (np.floor(counts / base + 0.5) * base).astype(np.int64)
    return rounded


def protect_frame(
    counts: pd.DataFrame,
    *,
    dims: Sequence[str],
    categories: Mapping[str, Sequence[str]] | None = None,
    minimum: int,
    round5: bool = False,
) -> pd.DataFrame:
    """A long table of counts (`dims` + `count`) with every margin, protected.

    Combinations absent from `counts` are zeros; each dimension's categories are
    `categories[dim]` (in that order) or the sorted values found. Returns every
    combination including the margins (labelled `TOTAL`), the `count` column
    nullable with hidden cells as null.
    """
    given = dict(categories or {})
    levels = [
        [str(v) for v in given.get(dim, sorted(counts[dim].astype(str).unique()))]
        for dim in dims
    ]
    interior = np.zeros(tuple(len(level) for level in levels), dtype=np.int64)
    if len(counts):
        codes = tuple(
            pd.Categorical(counts[dim].astype(str), categories=level).codes
            for dim, level in zip(dims, levels, strict=True)
        )
        keep = np.all([code >= 0 for code in codes], axis=0)
        np.add.at(
            interior,
            tuple(code[keep] for code in codes),
            counts["count"].to_numpy(dtype=np.int64)[keep],
        )
    table = with_margins(interior)
    hidden = protect(table, minimum=minimum)
    shown = round_to_base(table) if round5 else table
    index = pd.MultiIndex.from_product(
        [[*level, TOTAL] for level in levels], names=list(dims)
    )
    frame = index.to_frame(index=False)
    frame["count"] = pd.array(shown.reshape(-1), dtype="Int64")
    frame.loc[hidden.reshape(-1), "count"] = pd.NA
    return frame


# --- Statistics published beside counts ------------------------------------------

Z_95 = 1.959963984540054  # two-sided 95 %


def publishable(count: object, *, minimum: int) -> bool:
    """Rates, percentages, medians and percentiles describe a group only when the
    group's count is itself published and at least the minimum."""
    return isinstance(count, int | np.integer) and int(count) >= minimum


def wilson_interval(
    successes: int, trials: int, *, z: float = Z_95
) -> tuple[float, float]:
    """Wilson score interval for a proportion (Wilson 1927; Newcombe 1998,
    method 3: 81 of 263 gives 0.2553 to 0.3662)."""
    if trials <= 0:
        raise ValueError("A proportion needs at least one trial.")
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    half /= denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def kaplan_meier_quantile(
    durations: Sequence[float] | FloatArray,
    observed: Sequence[bool] | BoolArray,
    *,
    quantile: float = 0.5,
) -> float | None:
    """The time by which a share `quantile` has had the event, by Kaplan–Meier
    (censored times count as at risk until then); None if never reached."""
    times = np.asarray(durations, dtype=np.float64)
    events = np.asarray(observed, dtype=np.bool_)
    survival = 1.0
    for time in np.unique(times[events]):
        at_risk = int((times >= time).sum())
        died = int((events & (times == time)).sum())
        survival *= 1 - died / at_risk
        if survival <= 1 - quantile + 1e-12:
            return float(time)
    return None
