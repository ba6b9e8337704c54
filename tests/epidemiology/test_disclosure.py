"""Small-cell suppression of one-way tables (DOMAIN §7), without a database.

Counts 1..minimum-1 are hidden, zeros and counts from the minimum up are shown;
beside a hidden cell the total is withheld, since it would let the hidden cells
be recovered. The laws at the
end state "recovered" twice: by subtraction alone (the hidden cells are
non-zero, since zeros are shown), and by anyone who also knows the rule.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from epidemiology.disclosure import SuppressedTable, suppress_counts

MINIMUM = 10  # DOMAIN §7 default


@pytest.mark.parametrize("small", range(1, MINIMUM))
def test_counts_from_one_to_below_the_minimum_are_suppressed(small: int) -> None:
    table = suppress_counts(
        {"positive": small, "definite": 9, "negative": 40}, minimum=MINIMUM
    )
    assert table == SuppressedTable(
        cells={"positive": None, "definite": None, "negative": 40}, total=None
    )


def test_zeros_are_shown() -> None:
    table = suppress_counts(
        {"definite": 0, "positive": 0, "negative": 25}, minimum=MINIMUM
    )
    assert table == SuppressedTable(
        cells={"definite": 0, "positive": 0, "negative": 25}, total=25
    )


def test_an_empty_registry_publishes_zeros() -> None:
    table = suppress_counts({"positive": 0, "negative": 0}, minimum=MINIMUM)
    assert table == SuppressedTable(cells={"positive": 0, "negative": 0}, total=0)


@pytest.mark.parametrize("count", [MINIMUM, MINIMUM + 1, 250])
def test_counts_from_the_minimum_up_are_shown(count: int) -> None:
    table = suppress_counts({"positive": count, "negative": 30}, minimum=MINIMUM)
    assert table == SuppressedTable(
        cells={"positive": count, "negative": 30}, total=count + 30
    )


def test_the_minimum_is_a_parameter() -> None:
    counts = {"a": 4, "b": 5, "c": 6, "d": 3}
    assert suppress_counts(counts, minimum=5) == SuppressedTable(
        cells={"a": None, "b": 5, "c": 6, "d": None}, total=None
    )
    assert suppress_counts({"a": 10, "b": 11, "c": 30}, minimum=11) == (
        SuppressedTable(cells={"a": None, "b": 11, "c": 30}, total=None)
    )
    assert suppress_counts({"a": 11, "b": 0}, minimum=11) == (
        SuppressedTable(cells={"a": 11, "b": 0}, total=11)
    )


def test_a_suppressed_cell_withholds_the_total() -> None:
    # 55 - 12 - 40 - 0 would give the 3 away.
    table = suppress_counts(
        {"definite": 3, "positive": 12, "negative": 40, "deferred": 0},
        minimum=MINIMUM,
    )
    assert table == SuppressedTable(
        cells={"definite": None, "positive": 12, "negative": 40, "deferred": 0},
        total=None,
    )


def test_the_total_is_suppressed_when_it_alone_would_reveal_the_cell() -> None:
    # Every other cell is zero: there is no second cell to hide, so the total goes.
    table = suppress_counts(
        {"positive": 4, "negative": 0, "definite": 0}, minimum=MINIMUM
    )
    assert table == SuppressedTable(
        cells={"positive": None, "negative": 0, "definite": 0}, total=None
    )


def test_a_total_below_the_minimum_is_suppressed() -> None:
    table = suppress_counts(
        {"positive": 3, "definite": 4, "negative": 0}, minimum=MINIMUM
    )
    assert table == SuppressedTable(
        cells={"positive": None, "definite": None, "negative": 0}, total=None
    )


def test_a_total_at_the_minimum_is_shown() -> None:
    table = suppress_counts(
        {"positive": 10, "definite": 0, "negative": 0}, minimum=MINIMUM
    )
    assert table == SuppressedTable(
        cells={"positive": 10, "definite": 0, "negative": 0}, total=10
    )


# --- Laws ---------------------------------------------------------------------

one_way_tables = st.lists(st.integers(0, 60), min_size=1, max_size=8).map(
    lambda values: {f"cell{n}": value for n, value in enumerate(values)}
)


@settings(max_examples=500)
@given(counts=one_way_tables, minimum=st.integers(2, 15))
def test_what_is_published_is_true_and_no_small_cell_shows(
    counts: dict[str, int], minimum: int
) -> None:
    table = suppress_counts(counts, minimum=minimum)
    assert table.cells.keys() == counts.keys()
    for key, count in counts.items():
        if count == 0:
            assert table.cells[key] == 0
        elif count < minimum:
            assert table.cells[key] is None
        else:
            assert table.cells[key] in (count, None)
    if table.total is not None:
        assert table.total == sum(counts.values())
        assert table.total == 0 or table.total >= minimum


@settings(max_examples=500)
@given(counts=one_way_tables, minimum=st.integers(2, 15))
# Known to fail: two cells of 1 are hidden without a complement, and
# 22 - 20 = 2 shared by two non-zero cells is 1 + 1.
@example(counts={"positive": 1, "definite": 1, "negative": 20}, minimum=10)
def test_no_hidden_cell_is_recovered_by_subtraction_from_the_total(
    counts: dict[str, int], minimum: int
) -> None:
    """Hidden cells are non-zero (zeros are shown), so with the total published
    they share total - shown cells; that pins each of them unless at least two
    are hidden and their share exceeds one apiece."""
    table = suppress_counts(counts, minimum=minimum)
    hidden = [key for key, value in table.cells.items() if value is None]
    if table.total is None or not hidden:
        return
    share = table.total - sum(value for value in table.cells.values() if value)
    assert len(hidden) >= 2, (counts, table)
    assert share > len(hidden), (counts, table)


def _positive_splits(amount: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way to write `amount` as `parts` ordered non-zero counts."""
    if parts == 0:
        if amount == 0:
            yield ()
        return
    for cuts in itertools.combinations(range(1, amount), parts - 1):
        bounds = (0, *cuts, amount)
        yield tuple(high - low for low, high in itertools.pairwise(bounds))


def tables_publishing(table: SuppressedTable, *, minimum: int) -> list[dict[str, int]]:
    """Every table that `suppress_counts` would publish as `table`.

    Complete for the rule as written: a hidden cell is non-zero; with the total
    published the hidden cells share total - shown; with it hidden, the total is
    below the minimum or is the one hidden cell itself, so every hidden cell is
    below the minimum. (A test finding its own table missing says a changed rule
    broke this.)
    """
    hidden = [key for key, value in table.cells.items() if value is None]
    shown = {key: value for key, value in table.cells.items() if value is not None}
    if table.total is not None:
        fillings: Iterator[tuple[int, ...]] = _positive_splits(
            table.total - sum(shown.values()), len(hidden)
        )
    else:
        fillings = itertools.product(range(1, minimum), repeat=len(hidden))
    candidates = (
        shown | dict(zip(hidden, filling, strict=True)) for filling in fillings
    )
    return [
        candidate
        for candidate in candidates
        if suppress_counts(candidate, minimum=minimum) == table
    ]


@st.composite
def small_tables(draw: st.DrawFn) -> tuple[dict[str, int], int]:
    """Tables with fewer cells than minimum - 1: with minimum - 1 hidden cells
    under a hidden total, zeros being shown pins every one to 1, whatever
    `suppress_counts` does (the policy's own limit, not this function's)."""
    minimum = draw(st.integers(3, 8))
    values = draw(st.lists(st.integers(0, 3 * minimum), min_size=1, max_size=4))
    values = values[: minimum - 2]
    return {f"cell{n}": value for n, value in enumerate(values)}, minimum


@settings(max_examples=300, deadline=None)
@given(drawn=small_tables())
# Known to fail. Minimum 10, a complement is the smallest shown non-zero cell
# (ties by name), so it lies between the minimum and every cell still shown:
# - 1, 1 beside 20: the subtraction case above, 22 - 20 = 1 + 1;
# - 9, 9 beside 10: 28 - 10 = 18 can only be two cells below 10, 9 + 9;
# - 9 and its complement 10 beside another 10: 29 - 10 = 19 is too much for two
#   cells below 10, so one is a complement from 10 to 10, the other 9.
@example(drawn=({"positive": 1, "definite": 1, "negative": 20}, 10))
@example(drawn=({"definite": 10, "positive": 9, "repeat_needed": 9}, 10))
@example(drawn=({"definite": 10, "negative": 10, "positive": 9}, 10))
def test_no_hidden_cell_is_pinned_by_anyone_who_knows_the_rule(
    drawn: tuple[dict[str, int], int],
) -> None:
    counts, minimum = drawn
    table = suppress_counts(counts, minimum=minimum)
    possible = tables_publishing(table, minimum=minimum)
    assert counts in possible  # the enumeration is complete for this table
    for key, value in table.cells.items():
        if value is None:
            values = {candidate[key] for candidate in possible}
            assert len(values) >= 2, (counts, minimum, table, key, values)
