"""Statistical disclosure control for published counts (pure: no Django).

DOMAIN §7: counts 1..minimum-1 are suppressed, zeros are shown, and no published
margin may let a suppressed cell be recovered by subtraction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


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
