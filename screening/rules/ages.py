"""Decimal age in years from birth to sample date (DOMAIN §3b)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def anniversary(day: date, year: int) -> date:
    """`day`'s date in `year`; 29 February falls on 28 February in common years
    (a birthday, the end of a retention period)."""
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


#: No registered person is older than this (a birth date in 1900 or year 1 is a typo).
MAX_AGE_YEARS = 120


def plausible_birth_date(birth: date, today: date) -> bool:
    """Not in the future and not more than MAX_AGE_YEARS ago."""
    return anniversary(today, today.year - MAX_AGE_YEARS) <= birth <= today


def age_in_years(birth: date, on: date) -> Decimal:
    """Full years plus the elapsed fraction of the current birthday-year.

    The fifth birthday gives exactly 5, so half-open ranges such as
    5 <= age < 15 include the 5th birthday and exclude the 15th.
    """
    if on < birth:
        msg = f"sample date {on.isoformat()} is before birth {birth.isoformat()}"
        raise ValueError(msg)
    years = on.year - birth.year
    last = anniversary(birth, on.year)
    if last > on:
        years -= 1
        last = anniversary(birth, on.year - 1)
    following = anniversary(birth, last.year + 1)
    elapsed = (on - last).days
    if elapsed == 0:
        return Decimal(years)
    return Decimal(years) + Decimal(elapsed) / Decimal((following - last).days)
