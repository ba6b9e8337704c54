"""Complementary suppression of two- and three-way tables with every margin
published (DOMAIN §7), proved by solving the margins, without a database.

The reader of a published table knows every shown cell and margin, that each
line of the table (a row, a column, a 1-D line of a cube) adds up to its margin,
and that counts are whole numbers, not negative (the standard audit's bounds).
A hidden cell is safe when two tables agreeing with all of that give it
different values. `second_solution` looks for the difference of two such tables:
whole numbers on the hidden cells, zero on the shown ones, every line summing to
zero, leaving every hidden cell within its bound. Finding one proves the cell is
not pinned. The search branches on steps from -2 to 2 and gives a line's last
open cell whatever the line needs: complete for two-way tables, whose line
system is totally unimodular; in three-way ones it may only miss freedom, which
makes the test stricter, never laxer.

A reader who also knows that zeros are shown knows a hidden cell is at least 1.
`protect` counters the common cases of that (a line or a margin whose hidden
cells are all 1s), tested below with the bound raised to 1; it is no proof:
[[10, 1, 1], [1, 1, 1]] still pins its 1s through two margins' difference.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from epidemiology.disclosure import (
    TOTAL,
    kaplan_meier_quantile,
    protect,
    protect_frame,
    publishable,
    table_lines,
    wilson_interval,
    with_margins,
)

MINIMUM = 10
STEPS = (0, 1, -1, 2, -2)  # a cube's lines may need a cell to move by 2


def second_solution(
    table: np.ndarray, hidden: np.ndarray, cell: int, *, lower: int = 0
) -> bool:
    """Is there another table, same published cells and margins, in which the
    hidden `cell` differs? (A step v with v[cell] != 0, see the module note.)"""
    values = table.reshape(-1)
    mask = hidden.reshape(-1)
    lines = [
        [(int(c), -1 if k == len(line) - 1 else 1) for k, c in enumerate(line)]
        for axis_lines in table_lines(table.shape)
        for line in axis_lines
        if mask[line].any()
    ]
    lines = [[(c, sign) for c, sign in line if mask[c]] for line in lines]
    by_cell: dict[int, list[int]] = {}
    for n, line in enumerate(lines):
        for c, _sign in line:
            by_cell.setdefault(c, []).append(n)

    def allowed(c: int, step: int) -> bool:
        return values[c] + step >= lower

    def solve(step: dict[int, int]) -> bool:
        if not propagate(lines, step, allowed):
            return False
        open_cells = [c for c in by_cell if c not in step]
        if not open_cells:
            return True
        c = max(open_cells, key=lambda o: len(by_cell[o]))
        return any(
            allowed(c, choice) and solve({**step, c: choice}) for choice in STEPS
        )

    return any(
        allowed(cell, first) and solve({cell: first}) for first in STEPS if first
    )


def propagate(
    lines: list[list[tuple[int, int]]],
    step: dict[int, int],
    allowed: Callable[[int, int], bool],
) -> bool:
    """Fill in lines with one open cell; False where a line cannot sum to 0."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            open_cells = [(c, s) for c, s in line if c not in step]
            total = sum(s * step[c] for c, s in line if c in step)
            if not open_cells and total != 0:
                return False
            if len(open_cells) == 1:
                c, s = open_cells[0]
                forced = -total * s
                if not allowed(c, forced):
                    return False
                step[c] = forced
                changed = True
    return True


def assert_protected(
    interior: np.ndarray, minimum: int = MINIMUM, *, lower: int = 0
) -> None:
    table = with_margins(interior)
    hidden = protect(table, minimum=minimum)
    small = (table > 0) & (table < minimum)
    assert (hidden | ~small).all(), "a small cell is shown"
    assert not hidden[table == 0].any(), "a zero is hidden"
    for cell in np.flatnonzero(hidden.reshape(-1)):
        assert second_solution(table, hidden, int(cell), lower=lower), (
            interior.tolist(),
            np.unravel_index(cell, table.shape),
            np.where(hidden, -1, table).tolist(),
        )


cells = st.one_of(st.just(0), st.integers(1, MINIMUM - 1), st.integers(MINIMUM, 60))


@settings(max_examples=400, deadline=None)
@given(
    arrays(
        np.int64,
        st.tuples(st.integers(1, 4), st.integers(1, 4)),
        elements=cells,
    )
)
# One small cell in a row and its column: both need a partner, which needs
# another, until a rectangle of four hidden cells hides them all.
@example(np.array([[3, 20, 30], [25, 40, 50]]))
# Two protected blocks joined by one hidden cell: that cell is a bridge.
@example(np.array([[3, 40, 0, 50], [40, 4, 0, 0], [0, 0, 2, 40], [0, 0, 40, 5]]))
def test_no_hidden_cell_of_a_two_way_table_is_pinned_by_its_margins(
    interior: np.ndarray,
) -> None:
    assert_protected(interior)


@settings(max_examples=200, deadline=None)
@given(
    arrays(
        np.int64,
        st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 2)),
        elements=cells,
    )
)
@example(np.array([[[3, 20], [25, 40]], [[30, 35], [45, 50]]]))
def test_no_hidden_cell_of_a_three_way_table_is_pinned_by_its_margins(
    interior: np.ndarray,
) -> None:
    assert_protected(interior)


def test_one_small_cell_hides_a_rectangle() -> None:
    table = with_margins(np.array([[3, 20, 30], [25, 40, 50]]))
    hidden = protect(table, minimum=MINIMUM)
    # The 3, the smallest partners in its row (20) and column (25), and the
    # cell closing the rectangle (40); the margins stay shown.
    assert np.argwhere(hidden).tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]


@pytest.mark.parametrize(
    "interior",
    [
        # Two 1s alone in a row beside a shown total: their sum 2 pins both.
        [[1, 1, 20], [12, 13, 14]],
        # A grand total 12 over twelve hidden 1s.
        [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]],
        [[1, 1], [1, 30]],
    ],
)
def test_hidden_ones_are_not_pinned_by_a_line_or_margin_of_ones(
    interior: list[list[int]],
) -> None:
    assert_protected(np.array(interior), lower=1)


def test_the_second_solution_search_finds_a_pinned_cell() -> None:
    # Guard against a vacuous proof: one hidden cell beside its margins.
    table = with_margins(np.array([[3, 20], [25, 40]]))
    hidden = np.zeros(table.shape, dtype=bool)
    hidden[0, 0] = True
    assert not second_solution(table, hidden, 0)
    # Two 1s in a row with the row total shown: each must be 1.
    table = with_margins(np.array([[1, 1, 20]]))
    hidden = np.zeros(table.shape, dtype=bool)
    hidden[0, 0] = hidden[0, 1] = hidden[1, 0] = hidden[1, 1] = True
    assert second_solution(table, hidden, 0)
    assert not second_solution(table, hidden, 0, lower=1)


def test_protect_frame_labels_margins_and_hides_as_null() -> None:
    counts = pd.DataFrame(
        {
            "sex": ["F", "F", "M", "M"],
            "band": ["0–4", "5–9", "0–4", "5–9"],
            "count": [3, 20, 25, 40],
        }
    )
    frame = protect_frame(
        counts,
        dims=["sex", "band"],
        categories={"sex": ["F", "M"], "band": ["0–4", "5–9"]},
        minimum=MINIMUM,
    )
    published = {
        (row["sex"], row["band"]): (None if pd.isna(row["count"]) else row["count"])
        for _at, row in frame.iterrows()
    }
    assert published == {
        ("F", "0–4"): None,
        ("F", "5–9"): None,
        ("F", TOTAL): 23,
        ("M", "0–4"): None,
        ("M", "5–9"): None,
        ("M", TOTAL): 65,
        (TOTAL, "0–4"): 28,
        (TOTAL, "5–9"): 60,
        (TOTAL, TOTAL): 88,
    }


def test_rounding_to_five_rounds_what_is_shown_and_keeps_hidden_cells_hidden() -> None:
    counts = pd.DataFrame({"outcome": ["a", "b", "c"], "count": [12, 23, 3]})
    frame = protect_frame(counts, dims=["outcome"], minimum=MINIMUM, round5=True)
    # 3 is hidden, 12 is its partner; 23 and the total 38 are shown, rounded.
    assert [None if pd.isna(v) else int(v) for v in frame["count"]] == [
        None,
        25,
        None,
        40,
    ]


# --- Estimates --------------------------------------------------------------------


def test_wilson_interval_matches_newcombe_1998() -> None:
    low, high = wilson_interval(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    low, high = wilson_interval(0, 20)
    assert (round(low, 4), round(high, 4)) == (0.0, 0.1611)


def test_kaplan_meier_median_counts_censored_episodes_as_at_risk() -> None:
    # Events at 10, 20, 40; censored at 15 and 30. S drops to 4/5 at 10,
    # to 4/5 * 2/3 = 0.533 at 20 and to 0 at 40: the median is 40 days.
    assert (
        kaplan_meier_quantile([10, 15, 20, 30, 40], [True, False, True, False, True])
        == 40.0
    )
    # Without censoring the same times give the plain median.
    assert kaplan_meier_quantile([10, 15, 20, 30, 40], [True] * 5) == 20.0
    assert kaplan_meier_quantile([10, 15], [False, False]) is None


@pytest.mark.parametrize(
    ("count", "expected"), [(None, False), (9, False), (10, True), (250, True)]
)
def test_statistics_describe_only_published_groups_of_the_minimum(
    count: int | None, expected: bool
) -> None:
    assert publishable(count, minimum=MINIMUM) is expected
