"""Builders for rule tests: a child or adult with one or more LDL-C occasions."""

from __future__ import annotations

from decimal import Decimal

from screening.rules import (
    Case,
    FamilyHistory,
    LdlMethod,
    LipidPanel,
    Occasion,
    Sex,
    Unit,
    VariantClass,
)

MMOL = Unit.MMOL_L
MG = Unit.MG_DL


def panel(
    ldl: str | None,
    unit: Unit = MMOL,
    *,
    tc: str | None = None,
    hdl: str | None = None,
    tg: str | None = None,
    method: LdlMethod = LdlMethod.DIRECT,
) -> LipidPanel:
    def dec(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)

    return LipidPanel(unit, dec(tc), dec(ldl), method, dec(hdl), dec(tg))


def person(
    *ldl_values: str,
    unit: Unit = MMOL,
    age: str = "10",
    family: tuple[FamilyHistory, ...] = (),
    variant: VariantClass | None = None,
    secondary: str | None = None,
    **panel_kwargs: object,
) -> Case:
    """A case whose occasions carry `ldl_values` oldest to latest."""
    values = ldl_values or (None,)
    occasions = tuple(
        Occasion(Decimal(age), panel(value, unit, **panel_kwargs))  # type: ignore[arg-type]
        for value in values
    )
    return Case(Sex.F, occasions, frozenset(family), variant, secondary)
