"""From stored records to the rule engine's Case, and from its Evaluation to an
Assessment row: the one translation used by form, API, import and reassessment."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings

from fh_registry.models import User
from screening import rules
from screening.models import (
    Assessment,
    FamilyHistoryEntry,
    GeneticResult,
    LabResult,
    Person,
)

#: From this age (decimal years at the sample) the adult rule sets assess.
ADULT_AGE_YEARS = 18

#: Precision of values stored in mmol/L (the columns' six decimal places).
SI_QUANTUM = Decimal("0.000001")

# Most pathogenic first: the child's own variant is the strongest class reported.
_VARIANT_RANK = ("pathogenic", "likely_pathogenic", "vus", "likely_benign", "benign")


def active_ruleset() -> rules.RuleSet:
    return rules.get_ruleset(settings.ACTIVE_PAEDIATRIC_RULESET)


def as_entered(value: Decimal | None) -> Decimal | None:
    """The stored value without the column's padding zeros (7.5300 -> 7.53).

    Comparisons do not depend on it; reasons then show the number as reported.
    """
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def panel_of(result: LabResult) -> rules.LipidPanel:
    """The panel exactly as entered: rules read the entered value and unit."""
    computed = result.ldl_computed_here  # Friedewald by us: the engine recomputes it
    return rules.LipidPanel(
        unit=rules.Unit(result.entered_unit),
        total_cholesterol=as_entered(result.total_cholesterol_entered),
        ldl_cholesterol=None
        if computed
        else as_entered(result.ldl_cholesterol_entered),
        ldl_method=rules.LdlMethod.UNKNOWN
        if computed
        else rules.LdlMethod(result.ldl_method),
        hdl_cholesterol=as_entered(result.hdl_cholesterol_entered),
        triglycerides=as_entered(result.triglycerides_entered),
    )


def strongest_variant(classes: Iterable[str]) -> rules.VariantClass | None:
    present = set(classes)
    for name in _VARIANT_RANK:
        if name in present:
            return rules.VariantClass(name)
    return None


def build_case(
    *,
    sex: str,
    birth_date: date,
    results: Sequence[LabResult],
    family_codes: Iterable[str],
    variant_classes: Iterable[str],
    findings: ClinicalFindings | None = None,
) -> rules.Case:
    """A Case over the person's results up to the one assessed, oldest first."""
    occasions = tuple(
        rules.Occasion(
            age_years=rules.age_in_years(birth_date, result.sample_date),
            panel=panel_of(result),
        )
        for result in results
    )
    latest = results[-1] if results else None
    return rules.Case(
        sex=rules.Sex(sex),
        occasions=occasions,
        family_history=frozenset(rules.FamilyHistory(code) for code in family_codes),
        own_variant=strongest_variant(variant_classes),
        secondary_cause=(latest.secondary_cause or None) if latest else None,
        **(findings.as_case_fields() if findings else {}),
    )


@dataclass(frozen=True, slots=True)
class ClinicalFindings:
    """An adult's own findings, as DLCN and Simon Broome read them."""

    premature_chd: bool | None = None
    premature_cerebral_or_peripheral_vd: bool | None = None
    tendon_xanthoma: bool | None = None
    corneal_arcus_before_45: bool | None = None

    @classmethod
    def of(cls, person: Person) -> ClinicalFindings:
        return cls(
            premature_chd=person.premature_chd,
            premature_cerebral_or_peripheral_vd=person.premature_cerebral_or_peripheral_vd,
            tendon_xanthoma=person.tendon_xanthoma,
            corneal_arcus_before_45=person.corneal_arcus_before_45,
        )

    def as_case_fields(self) -> dict[str, bool | None]:
        return {
            "own_premature_chd": self.premature_chd,
            "own_premature_cerebral_or_peripheral_vd": (
                self.premature_cerebral_or_peripheral_vd
            ),
            "tendon_xanthoma": self.tendon_xanthoma,
            "corneal_arcus_before_45": self.corneal_arcus_before_45,
        }


def rulesets_for(birth_date: date, sample_date: date) -> list[rules.RuleSet]:
    """The rule sets a result is assessed by: the active paediatric one for a
    child, the adult ones (ADULT_RULESETS: DLCN and Simon Broome) from 18."""
    if rules.age_in_years(birth_date, sample_date) >= ADULT_AGE_YEARS:
        return [rules.get_ruleset(rid) for rid in settings.ADULT_RULESETS]
    return [active_ruleset()]


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """A person's family history codes and genetic (ACMG) classes, and whether
    the family was asked about them."""

    family_codes: list[str]
    variant_classes: list[str]
    family_history_asked: bool
    findings: ClinicalFindings | None = None


def person_facts(person: Person) -> PersonFacts:
    """What the rule sets read about a person besides their lab results."""
    return PersonFacts(
        family_codes=list(
            FamilyHistoryEntry.objects.filter(person=person).values_list(
                "code", flat=True
            )
        ),
        variant_classes=list(
            GeneticResult.objects.found()
            .filter(person=person)
            .values_list("acmg_class", flat=True)
        ),
        family_history_asked=person.family_history_asked_on is not None,
        findings=ClinicalFindings.of(person),
    )


def evaluate(
    ruleset: rules.RuleSet, case: rules.Case, *, family_history_asked: bool
) -> rules.Evaluation:
    """The rule set's evaluation of a stored person's case, the one way every
    entry path (form, API, import, reassessment) takes. The family history is
    recorded once the family was asked or a finding is entered; until then the
    evaluation prompts to ask where that could flag the child."""
    evaluation = ruleset.evaluate(case)
    if family_history_asked or case.family_history:
        return evaluation
    return rules.with_family_history_prompt(ruleset, case, evaluation)


def case_inputs(case: rules.Case) -> dict[str, Any]:
    """What the rule set was given, stored with the assessment to explain it later."""
    return {
        "sex": str(case.sex),
        "family_history": sorted(str(code) for code in case.family_history),
        "own_variant": str(case.own_variant) if case.own_variant else None,
        "secondary_cause": case.secondary_cause,
        "occasions": [
            {
                "age_years": str(occasion.age_years),
                "unit": str(occasion.panel.unit),
                "total_cholesterol": _text(occasion.panel.total_cholesterol),
                "ldl_cholesterol": _text(occasion.panel.ldl_cholesterol),
                "ldl_method": str(occasion.panel.ldl_method),
                "hdl_cholesterol": _text(occasion.panel.hdl_cholesterol),
                "triglycerides": _text(occasion.panel.triglycerides),
            }
            for occasion in case.occasions
        ],
    }


def case_from_inputs(inputs: dict[str, Any]) -> rules.Case:
    """The Case that `case_inputs` described (to explain or re-derive later)."""
    return rules.Case(
        sex=rules.Sex(inputs["sex"]),
        occasions=tuple(
            rules.Occasion(
                age_years=Decimal(occasion["age_years"]),
                panel=rules.LipidPanel(
                    unit=rules.Unit(occasion["unit"]),
                    total_cholesterol=_number(occasion["total_cholesterol"]),
                    ldl_cholesterol=_number(occasion["ldl_cholesterol"]),
                    ldl_method=rules.LdlMethod(occasion["ldl_method"]),
                    hdl_cholesterol=_number(occasion["hdl_cholesterol"]),
                    triglycerides=_number(occasion["triglycerides"]),
                ),
            )
            for occasion in inputs["occasions"]
        ),
        family_history=frozenset(
            rules.FamilyHistory(code) for code in inputs["family_history"]
        ),
        own_variant=rules.VariantClass(inputs["own_variant"])
        if inputs["own_variant"]
        else None,
        secondary_cause=inputs["secondary_cause"],
    )


def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def assessment_for(
    evaluation: rules.Evaluation,
    *,
    case: rules.Case,
    lab_result: LabResult,
    acting_user: User,
) -> Assessment:
    """An unsaved Assessment carrying the evaluation and its coded reasons."""
    return Assessment(
        person=lab_result.person,
        lab_result=lab_result,
        created_by=acting_user,
        **assessment_fields(evaluation, case),
    )


def assessment_fields(evaluation: rules.Evaluation, case: rules.Case) -> dict[str, Any]:
    """The Assessment fields an evaluation fills (the form's and the import's)."""
    return {
        "ruleset_id": evaluation.ruleset_id,
        "ruleset_version": evaluation.ruleset_version,
        "outcome": str(evaluation.outcome),
        "criterion": evaluation.criterion,
        "alerts": list(evaluation.alerts),
        "ldl_mmol_l": None
        if evaluation.ldl_mmol_l is None
        else evaluation.ldl_mmol_l.quantize(SI_QUANTUM),
        "ldl_source": evaluation.ldl_source,
        "score": evaluation.score,
        "reason_codes": stored_reasons(evaluation.reasons),
        "inputs": case_inputs(case),
    }


def stored_reasons(reasons: Iterable[rules.Reason]) -> list[list[object]]:
    """Reasons as an assessment stores them: codes with their parameters."""
    return [[reason.code, rules.encode_params(reason.params)] for reason in reasons]
