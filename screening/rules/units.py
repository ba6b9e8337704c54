"""Unit conversion and threshold comparison by the binding rules of DOMAIN §3a."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from screening.rules.reasons import Params
from screening.rules.types import Unit


class Analyte(StrEnum):
    """What a value measures; decides the mg/dL <-> mmol/L factor."""

    CHOLESTEROL = "cholesterol"
    TRIGLYCERIDES = "triglycerides"


#: DOMAIN §4: mg/dL = mmol/L x 38.67 (cholesterol), x 88.57 (TG). Never rounded.
MG_DL_PER_MMOL_L: dict[Analyte, Decimal] = {
    Analyte.CHOLESTEROL: Decimal("38.67"),
    Analyte.TRIGLYCERIDES: Decimal("88.57"),
}


def to_mmol_l(value: Decimal, unit: Unit, analyte: Analyte) -> Decimal:
    """`value` in mmol/L, converted without rounding."""
    if unit is Unit.MMOL_L:
        return value
    return value / MG_DL_PER_MMOL_L[analyte]


def to_mg_dl(value: Decimal, unit: Unit, analyte: Analyte) -> Decimal:
    """`value` in mg/dL, converted without rounding."""
    if unit is Unit.MG_DL:
        return value
    return value * MG_DL_PER_MMOL_L[analyte]


def convert(value: Decimal, unit: Unit, to: Unit, analyte: Analyte) -> Decimal:
    """`value` from `unit` into `to`, without rounding."""
    if to is Unit.MMOL_L:
        return to_mmol_l(value, unit, analyte)
    return to_mg_dl(value, unit, analyte)


class Operator(StrEnum):
    """The source's inequality (DOMAIN §3b)."""

    GE = "≥"
    GT = ">"

    @property
    def negation(self) -> str:
        """The symbol for "not met": < for ≥, ≤ for >."""
        return "<" if self is Operator.GE else "≤"


def _plain(value: Decimal) -> Decimal:
    """`value` without trailing zeros and never in exponent form."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral() else normal


def _other(unit: Unit) -> Unit:
    return Unit.MG_DL if unit is Unit.MMOL_L else Unit.MMOL_L


@dataclass(frozen=True, slots=True)
class Threshold:
    """A published cut-off: value OP limit, in the source's canonical unit.

    `equivalents` are the source's own figures in the other unit (§3a.2: only
    VRONI 130 mg/dL = 3.36 mmol/L and Friedewald 400 mg/dL = 4.5 mmol/L).
    Otherwise a value in the other unit is compared by cross-multiplication
    (§3a.3), e.g. mg/dL >= 4.0 x 38.67, or mmol/L x 38.67 > 300.

    `printed` are the source's rounded figures in the other unit, shown to the
    reader and never compared (EAS 2026 prints 4.5 mmol/L as 175 mg/dL; the
    comparison uses 174.015). Where a value lies between the printed and the
    exact limit, its reason shows the exact limit, so the text never contradicts
    the decision.
    """

    analyte: Analyte
    value: Decimal
    unit: Unit
    operator: Operator
    label: str
    equivalents: tuple[tuple[Unit, Decimal], ...] = ()
    printed: tuple[tuple[Unit, Decimal], ...] = ()
    # Derived from the fields above in __post_init__ and never changed: per
    # unit, the comparison rule and the reason params. Every reason naming a
    # threshold needs its params, so they are worked out once per threshold
    # (a handful of module constants), not once per reason. Not a decision:
    # nothing about any value compared is stored.
    _rules: dict[Unit, tuple[Decimal, Decimal | None]] = field(
        init=False, repr=False, compare=False
    )
    _params: dict[Unit, Params] = field(init=False, repr=False, compare=False)
    _exact_params: dict[Unit, Params] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A frozen dataclass sets derived fields through object.__setattr__
        # (the documented idiom; its own __init__ does the same).
        rules = {unit: self._rule(unit) for unit in Unit}
        object.__setattr__(self, "_rules", rules)
        exact = {unit: self._describe(unit) for unit in Unit}
        object.__setattr__(self, "_exact_params", exact)
        shown = {unit: self._describe(unit, printed=True) for unit in Unit}
        object.__setattr__(self, "_params", shown)

    def _rule(self, unit: Unit) -> tuple[Decimal, Decimal | None]:
        """(limit, factor) for a value in `unit`: met iff (value x factor) OP limit.

        The canonical limit, else the published equivalent, else the exact
        mg/dL product; a mmol/L value against a mg/dL limit is multiplied up
        (factor) rather than dividing the limit, so nothing is ever rounded.
        """
        if unit is self.unit:
            return self.value, None
        for other, published in self.equivalents:
            if other is unit:
                return published, None
        factor = MG_DL_PER_MMOL_L[self.analyte]
        if unit is Unit.MG_DL:
            return self.value * factor, None  # exact: a finite product
        return self.value, factor

    def _describe(self, unit: Unit, *, printed: bool = False) -> Params:
        limit = self.limit_in(unit)
        if unit is not self.unit and self.is_exact_in(unit):
            limit = _plain(limit)  # 4.0 x 38.67 reads 154.68, not 154.680
        if printed:
            limit = dict(self.printed).get(unit, limit)
        params: Params = (
            ("op", self.operator.value),
            ("neg", self.operator.negation),
            ("limit", limit),
            ("limit_unit", unit.value),
        )
        if unit is not self.unit:
            params += (
                ("canonical_limit", self.value),
                ("canonical_unit", self.unit.value),
            )
        return params

    def params(self, unit: Unit, value: Decimal | None = None) -> Params:
        """Reason params naming this comparison for a value entered in `unit`:
        the limit as the source prints it, unless `value` falls between the
        printed and the exact limit."""
        printed = dict(self.printed).get(unit)
        if (
            printed is not None
            and value is not None
            and _compare(value, self.operator, printed) != self.met(value, unit)
        ):
            return self._exact_params[unit]
        return self._params[unit]

    def met(self, value: Decimal, unit: Unit) -> bool:
        """Whether `value` (entered in `unit`) meets the threshold, never rounded."""
        limit, factor = self._rules[unit]
        if factor is not None:
            value = value * factor
        if self.operator is Operator.GE:
            return value >= limit
        return value > limit

    def limit_in(self, unit: Unit) -> Decimal:
        """The limit as it applies in `unit` (exact unless `is_exact_in` is False)."""
        limit, factor = self._rules[unit]
        return limit if factor is None else limit / factor

    def is_exact_in(self, unit: Unit) -> bool:
        """False where the limit in `unit` is a non-terminating quotient."""
        return self._rules[unit][1] is None

    def is_published_in(self, unit: Unit) -> bool:
        """True in the canonical unit and for a published equivalent."""
        return unit is self.unit or unit in dict(self.equivalents)


def _compare(value: Decimal, operator: Operator, limit: Decimal) -> bool:
    return value >= limit if operator is Operator.GE else value > limit


def meets(value: Decimal, unit: Unit, threshold: Threshold) -> bool:
    """DOMAIN §3a comparison of an entered value with a threshold."""
    return threshold.met(value, unit)
