"""Statistical disclosure control for published counts (pure: no Django).

DOMAIN §7: counts 1..minimum-1 are suppressed, zeros are shown; while a total lets
a suppressed cell be recovered by subtraction, the next-smallest cell is suppressed
too (complementary suppression).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SuppressedTable:
    cells: dict[str, int | None]  # None = suppressed
    total: int | None


def suppress_counts(counts: Mapping[str, int], *, minimum: int) -> SuppressedTable:
    """Suppress small cells of a one-way table with its total."""
    cells: dict[str, int | None] = {
        key: (None if 0 < value < minimum else value) for key, value in counts.items()
    }
    total: int | None = sum(counts.values())
    hidden = [key for key, value in cells.items() if value is None]
    if len(hidden) == 1:
        # One hidden cell is total minus the rest: hide the next-smallest as well.
        shown = sorted(
            (value, key) for key, value in cells.items() if value is not None and value
        )
        if shown:
            cells[shown[0][1]] = None
        else:
            total = None
    if total is not None and 0 < total < minimum:
        total = None
    return SuppressedTable(cells=cells, total=total)
