"""Pure FH screening rules: frozen dataclasses in, frozen dataclasses out."""

from screening.rules.ages import (
    MAX_AGE_YEARS,
    age_in_years,
    anniversary,
    plausible_birth_date,
)
from screening.rules.family_prompt import (
    FAMILY_HISTORY_UNKNOWN,
    with_family_history_prompt,
)
from screening.rules.ldl import resolve_ldl
from screening.rules.plausibility import Problem, check_panel
from screening.rules.reasons import (
    NAMED_CRITERIA,
    criterion_name,
    encode_params,
    render_stored,
)
from screening.rules.registry import (
    ADULT_RULESET_IDS,
    PAEDIATRIC_RULESET_IDS,
    RULESETS,
    RuleSet,
    UnknownRuleSet,
    get_ruleset,
)
from screening.rules.types import (
    Case,
    Evaluation,
    FamilyHistory,
    LdlMethod,
    LipidLoweringTreatment,
    LipidPanel,
    Occasion,
    Outcome,
    Reason,
    Sex,
    Unit,
    VariantClass,
    is_genetic_diagnosis,
)
from screening.rules.units import Analyte, Operator, Threshold, to_mg_dl, to_mmol_l

__all__ = [
    "ADULT_RULESET_IDS",
    "FAMILY_HISTORY_UNKNOWN",
    "MAX_AGE_YEARS",
    "NAMED_CRITERIA",
    "PAEDIATRIC_RULESET_IDS",
    "RULESETS",
    "Analyte",
    "Case",
    "Evaluation",
    "FamilyHistory",
    "LdlMethod",
    "LipidLoweringTreatment",
    "LipidPanel",
    "Occasion",
    "Operator",
    "Outcome",
    "Problem",
    "Reason",
    "RuleSet",
    "Sex",
    "Threshold",
    "Unit",
    "UnknownRuleSet",
    "VariantClass",
    "age_in_years",
    "anniversary",
    "check_panel",
    "criterion_name",
    "encode_params",
    "get_ruleset",
    "is_genetic_diagnosis",
    "plausible_birth_date",
    "render_stored",
    "resolve_ldl",
    "to_mg_dl",
    "to_mmol_l",
    "with_family_history_prompt",
]
