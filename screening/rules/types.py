"""Value types of the FH rule engine: enums and frozen dataclasses in and out."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from screening.rules.reasons import Params, render


class Unit(StrEnum):
    """Unit a lab value was entered in."""

    MMOL_L = "mmol/L"
    MG_DL = "mg/dL"


class LdlMethod(StrEnum):
    """How the laboratory obtained LDL-C (DOMAIN §3c)."""

    DIRECT = "direct"
    CALCULATED = "calculated"
    UNKNOWN = "unknown"


class Sex(StrEnum):
    """Sex as recorded on the screening form."""

    F = "F"
    M = "M"


class Outcome(StrEnum):
    """Outcome codes of DOMAIN §3g, listed in the order they are checked."""

    REJECTED = "rejected"
    NOT_ELIGIBLE = "not_eligible"
    DEFINITE = "definite"
    DEFERRED = "deferred"
    NEEDS_DIRECT_LDL = "needs_direct_ldl"
    POSITIVE = "positive"
    REPEAT_NEEDED = "repeat_needed"
    NEGATIVE = "negative"

    @property
    def severity(self) -> int:
        """How strongly the outcome points to FH (higher = more); for sorting.

        On the LDL-C scale negative < repeat_needed < positive < definite, so
        "more LDL-C never lowers the outcome" reads severity(high) >= severity(low).
        Outcomes that make no statement about FH sit at the bottom.
        """
        return _SEVERITY[self]


_SEVERITY = {
    Outcome.REJECTED: 0,
    Outcome.NOT_ELIGIBLE: 0,
    Outcome.NEGATIVE: 1,
    Outcome.DEFERRED: 2,
    Outcome.NEEDS_DIRECT_LDL: 2,
    Outcome.REPEAT_NEEDED: 3,
    Outcome.POSITIVE: 4,
    Outcome.DEFINITE: 5,
}

#: DOMAIN §3g: the first matching code wins, in this order.
OUTCOME_CHECK_ORDER = tuple(Outcome)


class VariantClass(StrEnum):
    """ACMG/AMP class of the child's own variant (Richards 2015)."""

    PATHOGENIC = "pathogenic"
    LIKELY_PATHOGENIC = "likely_pathogenic"
    VUS = "vus"
    LIKELY_BENIGN = "likely_benign"
    BENIGN = "benign"

    @property
    def is_genetic_diagnosis(self) -> bool:
        """Only P/LP variants are a genetic diagnosis (DOMAIN §3e)."""
        return self in (VariantClass.PATHOGENIC, VariantClass.LIKELY_PATHOGENIC)


def is_genetic_diagnosis(variant: VariantClass | None) -> bool:
    """True for an own pathogenic or likely pathogenic variant."""
    return variant is not None and variant.is_genetic_diagnosis


class FamilyHistory(StrEnum):
    """Family-history items, as ticked on the form or given in the CSV."""

    # Paediatric rule sets (EAS, Simon Broome).
    PARENT_PREMATURE_CHD = "parent_premature_chd"
    RELATIVE_PREMATURE_CHD = "relative_premature_chd"
    PARENT_HIGH_CHOLESTEROL = "parent_high_cholesterol"
    PARENT_GENETIC_FH = "parent_genetic_fh"
    # Simon Broome: tendon xanthoma in a first- or second-degree relative.
    RELATIVE_TENDON_XANTHOMA = "relative_tendon_xanthoma"
    # Adult rule sets (DLCN, Simon Broome adult).
    FIRST_DEGREE_PREMATURE_CHD = "first_degree_premature_chd"
    FIRST_DEGREE_HIGH_LDL = "first_degree_high_ldl"
    FIRST_DEGREE_XANTHOMA_OR_ARCUS = "first_degree_xanthoma_or_arcus"
    CHILD_HIGH_LDL = "child_high_ldl"


@dataclass(frozen=True, slots=True)
class LipidPanel:
    """One sample's lipids, every value as entered in `unit` (Decimal from text)."""

    unit: Unit
    total_cholesterol: Decimal | None
    ldl_cholesterol: Decimal | None
    ldl_method: LdlMethod
    hdl_cholesterol: Decimal | None
    triglycerides: Decimal | None


@dataclass(frozen=True, slots=True)
class LipidLoweringTreatment:
    """Treatment at the time of a sample; `drug` as named in treatment.py."""

    drug: str
    dose_mg: Decimal | None = None
    with_ezetimibe: bool = False


@dataclass(frozen=True, slots=True)
class Occasion:
    """A sample: decimal age at sampling, its panel and any treatment then."""

    age_years: Decimal
    panel: LipidPanel
    treatment: LipidLoweringTreatment | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """Everything a rule set reads about one person; occasions oldest to latest."""

    sex: Sex
    occasions: tuple[Occasion, ...]
    family_history: frozenset[FamilyHistory] = frozenset()
    own_variant: VariantClass | None = None
    secondary_cause: str | None = None
    own_premature_chd: bool | None = None
    own_premature_cerebral_or_peripheral_vd: bool | None = None
    tendon_xanthoma: bool | None = None
    corneal_arcus_before_45: bool | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    """A coded reason; its text is rendered only when asked for."""

    code: str
    params: Params = ()

    def text(self, lang: str = "en") -> str:
        """The reason in English ("en") or German ("de")."""
        return render(self.code, self.params, lang)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A rule set's verdict on a case, with the LDL-C it rested on."""

    outcome: Outcome
    criterion: str
    alerts: tuple[str, ...]
    ldl_mmol_l: Decimal | None
    ldl_source: str
    ruleset_id: str
    ruleset_version: str
    reasons: tuple[Reason, ...]
    score: int | None = None

    def reasons_text(self, lang: str = "en") -> tuple[str, ...]:
        """Every reason rendered in `lang`."""
        return tuple(reason.text(lang) for reason in self.reasons)
