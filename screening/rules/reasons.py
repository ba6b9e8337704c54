"""Message catalogue: coded reasons rendered lazily in English and German."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from functools import lru_cache

ParamValue = str | int | Decimal
Params = tuple[tuple[str, ParamValue], ...]

LANGUAGES = ("en", "de")
_CENT = Decimal("0.01")
_CENTS_CONTEXT = Context(prec=28)
_CENTS_FAST_BELOW = 24  # adjusted() + 4 <= 28: the local context keeps prec 28

# code -> (English, German). Placeholders are params; {limit_note} is derived.
TEMPLATES: dict[str, tuple[str, str]] = {
    "genetic_diagnosis": (
        "Own {variant} variant → definite FH (genetic diagnosis)",
        "Eigene {variant} Variante → gesicherte FH (genetische Diagnose)",
    ),
    "vus_segregation": (
        "Own variant of uncertain significance: the lipid criteria decide; "
        "segregation testing in the parents is advised",
        "Eigene Variante unklarer Signifikanz: die Lipidkriterien entscheiden; "
        "Segregationsanalyse bei den Eltern empfohlen",
    ),
    "age_out_of_range": (
        "Age {age} years is outside the age range of {ruleset} ({range})",
        "Alter {age} Jahre liegt außerhalb des Altersbereichs von {ruleset} ({range})",
    ),
    "secondary_cause": (
        "Documented secondary cause ({cause}): classification deferred until "
        "re-testing",
        "Dokumentierte sekundäre Ursache ({cause}): Einstufung bis zur Kontrolle "
        "zurückgestellt",
    ),
    "no_ldl": (
        "No LDL-C value and no complete TC, HDL-C and TG to calculate one: "
        "direct LDL-C needed",
        "Kein LDL-C-Wert und keine vollständigen Werte (GC, HDL-C, TG) zur "
        "Berechnung: direkt gemessenes LDL-C nötig",
    ),
    "calculated_ldl_without_tg": (
        "Calculated LDL-C {value} {unit} without a TG value cannot be checked for "
        "validity: direct LDL-C needed",
        "Berechnetes LDL-C {value} {unit} ohne TG-Wert ist nicht prüfbar: direkt "
        "gemessenes LDL-C nötig",
    ),
    "tg_too_high_for_calculation": (
        "TG {value} {unit} {op} {limit} {limit_unit}{limit_note}: calculated or "
        "unstated-method LDL-C is not valid, direct LDL-C needed",
        "TG {value} {unit} {op} {limit} {limit_unit}{limit_note}: berechnetes LDL-C "
        "oder LDL-C unbekannter Methode ist ungültig, direkt gemessenes LDL-C nötig",
    ),
    # Reasons stored as text before they were stored as codes (kept verbatim).
    "legacy_text": ("{en}", "{de}"),
    "family_history_unknown": (
        "Family history not recorded: ask the family. {Criterion} is "
        "reachable with these lipids if a relative is affected",
        "Familienanamnese nicht erfasst: bitte die Familie fragen. "
        "{Criterion} ist mit diesen Lipidwerten erreichbar, wenn ein Verwandter "
        "betroffen ist",
    ),
    "calculated_ldl": (
        "LDL-C {value} {unit} is calculated ({source}), not measured directly",
        "LDL-C {value} {unit} ist berechnet ({source}), nicht direkt gemessen",
    ),
    "untreated_ldl_unknown": (
        "No correction factor for {drug} {dose} mg: untreated LDL-C cannot be "
        "estimated",
        "Kein Korrekturfaktor für {drug} {dose} mg: unbehandeltes LDL-C nicht "
        "schätzbar",
    ),
    "estimated_untreated_ldl": (
        "LDL-C {value} {unit} on {drug} {dose} mg{ezetimibe}: estimated untreated "
        "LDL-C {estimate} {unit} (reduction {percent} %, {source}); an estimate, "
        "not a measurement",
        "LDL-C {value} {unit} unter {drug} {dose} mg{ezetimibe}: geschätztes "
        "unbehandeltes LDL-C {estimate} {unit} (Senkung {percent} %, {source}); "
        "eine Schätzung, kein Messwert",
    ),
    "hofh_suspected": (
        "LDL-C {value} {unit} {op} {limit} {limit_unit}{limit_note}: homozygous FH "
        "suspected, urgent referral",
        "LDL-C {value} {unit} {op} {limit} {limit_unit}{limit_note}: Verdacht auf "
        "homozygote FH, dringende Überweisung",
    ),
    "criterion_met": (
        "{analyte} {value} {unit} {op} {limit} {limit_unit}{limit_note} → {criterion}",
        "{analyte} {value} {unit} {op} {limit} {limit_unit}{limit_note} → {criterion}",
    ),
    "criterion_met_family": (
        "{analyte} {value} {unit} {op} {limit} {limit_unit}{limit_note} and "
        "{family} → {criterion}",
        "{analyte} {value} {unit} {op} {limit} {limit_unit}{limit_note} und "
        "{family} → {criterion}",
    ),
    "criterion_met_twice": (
        "{analyte} {previous} and {value} {unit} {op} {limit} {limit_unit}"
        "{limit_note} on two successive occasions → {criterion}",
        "{analyte} {previous} und {value} {unit} {op} {limit} {limit_unit}"
        "{limit_note} bei zwei aufeinanderfolgenden Messungen → {criterion}",
    ),
    "criterion_met_once": (
        "{analyte} {value} {unit} {op} {limit} {limit_unit}{limit_note} on the "
        "latest occasion only: {criterion} needs two successive values, "
        "repeat LDL-C",
        "{analyte} {value} {unit} {op} {limit} {limit_unit}{limit_note} nur bei "
        "der letzten Messung: {Criterion} verlangt zwei aufeinander"
        "folgende Werte, LDL-C wiederholen",
    ),
    "criterion_not_met": (
        "{Criterion} not met: {analyte} {value} {unit} {neg} {limit} "
        "{limit_unit}{limit_note}",
        "{Criterion} nicht erfüllt: {analyte} {value} {unit} {neg} "
        "{limit} {limit_unit}{limit_note}",
    ),
    "criterion_not_met_family": (
        "{Criterion} not met: {analyte} {value} {unit} {op} {limit} "
        "{limit_unit}{limit_note}, but none of: {family}",
        "{Criterion} nicht erfüllt: {analyte} {value} {unit} {op} "
        "{limit} {limit_unit}{limit_note}, aber nichts davon: {family}",
    ),
    "lipid_criterion_met": (
        "{analyte} {value} {unit} {op} {limit} {limit_unit}{limit_note}: "
        "Simon Broome lipid criterion met",
        "{analyte} {value} {unit} {op} {limit} {limit_unit}{limit_note}: "
        "Simon-Broome-Lipidkriterium erfüllt",
    ),
    "lipid_limb_not_met": (
        "{analyte} {value} {unit} {neg} {limit} {limit_unit}{limit_note}: "
        "Simon Broome lipid criterion not met by {analyte}",
        "{analyte} {value} {unit} {neg} {limit} {limit_unit}{limit_note}: "
        "Simon-Broome-Lipidkriterium durch {analyte} nicht erfüllt",
    ),
    "xanthoma_definite": (
        "Lipid criterion met and tendon xanthoma ({who}) → definite FH (Simon Broome)",
        "Lipidkriterium erfüllt und Sehnenxanthome ({who}) → gesicherte FH "
        "(Simon Broome)",
    ),
    "possible_fh": (
        "Lipid criterion met and {family} → possible FH (Simon Broome)",
        "Lipidkriterium erfüllt und {family} → mögliche FH (Simon Broome)",
    ),
    "lipid_criterion_alone": (
        "Lipid criterion met, but no qualifying family history or xanthoma: a "
        "raised value alone is negative under Simon Broome",
        "Lipidkriterium erfüllt, aber keine passende Familienanamnese und keine "
        "Xanthome: ein erhöhter Wert allein ist nach Simon Broome negativ",
    ),
    "dlcn_points": (
        "DLCN {group}: {item} → {points} {points_word}",
        "DLCN {group}: {item} → {points} {points_word}",
    ),
    "dlcn_ldl_points": (
        "DLCN LDL-C: highest LDL-C {value} {unit} {op} {limit} {limit_unit}"
        "{limit_note} → {points} {points_word}",
        "DLCN LDL-C: höchstes LDL-C {value} {unit} {op} {limit} {limit_unit}"
        "{limit_note} → {points} {points_word}",
    ),
    "dlcn_ldl_no_points": (
        "DLCN LDL-C: highest LDL-C {value} {unit} {neg} {limit} {limit_unit}"
        "{limit_note} → 0 points",
        "DLCN LDL-C: höchstes LDL-C {value} {unit} {neg} {limit} {limit_unit}"
        "{limit_note} → 0 Punkte",
    ),
    "dlcn_total": (
        "DLCN score {score} → {category}",
        "DLCN-Score {score} → {category}",
    ),
    "dlcn_review_due": (
        "DLCN score {score} (3–5, possible FH): coordinator review due",
        "DLCN-Score {score} (3–5, mögliche FH): Prüfung durch die Koordination fällig",
    ),
    "dlcn_positive": (
        "DLCN score {score} ≥ 6: positive relative, the cascade extends",
        "DLCN-Score {score} ≥ 6: positiver Verwandter, die Kaskade wird erweitert",
    ),
    "out_of_range": (
        "{field} {value} {unit} is outside the plausible range {low}–{high} {unit}"
        "{range_note}{unit_hint}",
        "{field} {value} {unit} liegt außerhalb des plausiblen Bereichs "
        "{low}–{high} {unit}{range_note}{unit_hint}",
    ),
    "ldl_exceeds_tc": (
        "LDL-C {ldl} {unit} cannot exceed total cholesterol {tc} {unit}",
        "LDL-C {ldl} {unit} kann nicht über dem Gesamtcholesterin {tc} {unit} liegen",
    ),
    "ldl_exceeds_non_hdl": (
        "LDL-C {ldl} {unit} exceeds non-HDL-C {non_hdl} {unit} (TC − HDL-C) by "
        "more than {margin} {unit}",
        "LDL-C {ldl} {unit} übersteigt Non-HDL-C {non_hdl} {unit} (GC − HDL-C) um "
        "mehr als {margin} {unit}",
    ),
    "hdl_exceeds_tc": (
        "HDL-C {hdl} {unit} cannot exceed total cholesterol {tc} {unit}",
        "HDL-C {hdl} {unit} kann nicht über dem Gesamtcholesterin {tc} {unit} liegen",
    ),
    "ldl_above_300_mg_dl": (
        "LDL-C {value} {unit} {op} {limit} {limit_unit}{limit_note}: very high, "
        "check and refer to a specialist",
        "LDL-C {value} {unit} {op} {limit} {limit_unit}{limit_note}: sehr hoch, "
        "prüfen und an Spezialambulanz überweisen",
    ),
    "tg_at_or_above_500_mg_dl": (
        "TG {value} {unit} {op} {limit} {limit_unit}{limit_note}: very high, "
        "check and refer to a specialist",
        "TG {value} {unit} {op} {limit} {limit_unit}{limit_note}: sehr hoch, "
        "prüfen und an Spezialambulanz überweisen",
    ),
    "ldl_below_40_mg_dl": (
        "LDL-C {value} {unit} {op} {limit} {limit_unit}{limit_note}: unusually "
        "low, please check",
        "LDL-C {value} {unit} {op} {limit} {limit_unit}{limit_note}: "
        "ungewöhnlich niedrig, bitte prüfen",
    ),
    "tc_looks_like_mmol_l": (
        "TC {value} mg/dL ≤ 20: probably entered in mmol/L; please check (never "
        "converted automatically)",
        "Gesamtcholesterin {value} mg/dL ≤ 20: vermutlich in mmol/L eingegeben; "
        "bitte prüfen (wird nie automatisch umgerechnet)",
    ),
    "no_occasions": (
        "No lipid results given",
        "Keine Lipidwerte angegeben",
    ),
    "missing_value": (
        "Column {column} is required but blank",
        "Spalte {column} ist Pflicht, aber leer",
    ),
    "malformed_value": (
        "Column {column}: '{value}' is not {expected}",
        "Spalte {column}: '{value}' ist nicht {expected}",
    ),
    "malformed_row": (
        "Row has {found} fields, the header has {expected}",
        "Zeile hat {found} Felder, die Kopfzeile {expected}",
    ),
    "unknown_code": (
        "Column {column}: unknown code '{value}' (allowed: {allowed})",
        "Spalte {column}: unbekannter Code '{value}' (erlaubt: {allowed})",
    ),
}

_LABELS_EN: dict[str, str] = {
    "parent_premature_chd": "premature CHD in a parent",
    "relative_premature_chd": "premature CHD in a close relative",
    "parent_high_cholesterol": "high cholesterol in a parent",
    "parent_genetic_fh": "a parent with genetic FH",
    "relative_tendon_xanthoma": "tendon xanthoma in a 1st/2nd-degree relative",
    "first_degree_premature_chd": "premature CHD in a first-degree relative",
    "first_degree_high_ldl": "LDL-C > P95 in an adult first-degree relative",
    "first_degree_xanthoma_or_arcus": "tendon xanthoma or arcus in a "
    "first-degree relative",
    "child_high_ldl": "a child < 18 y in the family with LDL-C > P95",
    "pathogenic": "pathogenic",
    "likely_pathogenic": "likely pathogenic",
    "self": "own",
    "total_cholesterol": "TC",
    "ldl_cholesterol": "LDL-C",
    "hdl_cholesterol": "HDL-C",
    "triglycerides": "TG",
    "family": "family history",
    "own_history": "own history",
    "examination": "examination",
    "dna": "DNA",
    "own_premature_chd": "own premature CHD",
    "own_premature_cerebral_or_peripheral_vd": "own premature cerebral or "
    "peripheral vascular disease",
    "tendon_xanthoma": "tendon xanthoma",
    "corneal_arcus_before_45": "arcus cornealis before 45 y",
    "own_p_lp_variant": "own P/LP variant in LDLR/APOB/PCSK9",
    "definite": "definite FH (> 8)",
    "probable": "probable FH (6–8)",
    "possible": "possible FH (3–5)",
    "unlikely": "unlikely FH (< 3)",
    "a number": "a number",
    "F or M": "F or M",
    "calculated": "by the laboratory",
    "friedewald": "Friedewald, computed here",
    "yes or no": "yes or no",
}

_LABELS_DE: dict[str, str] = {
    "parent_premature_chd": "vorzeitige KHK bei einem Elternteil",
    "relative_premature_chd": "vorzeitige KHK bei einem nahen Verwandten",
    "parent_high_cholesterol": "erhöhtes Cholesterin bei einem Elternteil",
    "parent_genetic_fh": "ein Elternteil mit genetisch gesicherter FH",
    "relative_tendon_xanthoma": "Sehnenxanthome bei einem Verwandten 1./2. Grades",
    "first_degree_premature_chd": "vorzeitige KHK bei einem Verwandten 1. Grades",
    "first_degree_high_ldl": "LDL-C > P95 bei einem erwachsenen Verwandten 1. Grades",
    "first_degree_xanthoma_or_arcus": "Sehnenxanthome oder Arcus bei einem "
    "Verwandten 1. Grades",
    "child_high_ldl": "ein Kind < 18 J. in der Familie mit LDL-C > P95",
    "pathogenic": "pathogene",
    "likely_pathogenic": "wahrscheinlich pathogene",
    "self": "eigene",
    "total_cholesterol": "Gesamtcholesterin",
    "ldl_cholesterol": "LDL-C",
    "hdl_cholesterol": "HDL-C",
    "triglycerides": "TG",
    "TC": "Gesamtcholesterin",
    "family": "Familienanamnese",
    "own_history": "eigene Anamnese",
    "examination": "Untersuchung",
    "dna": "DNA",
    "own_premature_chd": "eigene vorzeitige KHK",
    "own_premature_cerebral_or_peripheral_vd": "eigene vorzeitige zerebrale oder "
    "periphere Gefäßerkrankung",
    "tendon_xanthoma": "Sehnenxanthome",
    "corneal_arcus_before_45": "Arcus corneae vor 45 J.",
    "own_p_lp_variant": "eigene P/LP-Variante in LDLR/APOB/PCSK9",
    "definite": "gesicherte FH (> 8)",
    "probable": "wahrscheinliche FH (6–8)",
    "possible": "mögliche FH (3–5)",
    "unlikely": "unwahrscheinliche FH (< 3)",
    "a number": "eine Zahl",
    "F or M": "F oder M",
    "calculated": "vom Labor",
    "friedewald": "Friedewald, hier berechnet",
    "yes or no": "yes oder no",
}

_LABELS = {"en": _LABELS_EN, "de": _LABELS_DE}
_TRANSLATED = frozenset(
    {"family", "variant", "field", "analyte", "group", "item", "category", "who"}
    | {"expected", "source"}
)


# Criteria named by a word rather than a letter (EAS names its criteria A, B, C).
_CRITERION_NAMES = {
    "en": {
        "threshold": "LDL-C threshold",
        "possible": "possible FH",
        "xanthoma": "tendon xanthoma",
        "genetic": "genetic diagnosis",
    },
    "de": {
        "threshold": "LDL-C-Schwelle",
        "possible": "mögliche FH",
        "xanthoma": "Sehnenxanthom",
        "genetic": "genetische Diagnose",
    },
}


#: Criterion codes that are words, not EAS's letters (never shown as such).
NAMED_CRITERIA = frozenset(_CRITERION_NAMES["en"])


def criterion_name(code: str, lang: str = "en") -> str:
    """A criterion in words: "criterion A", "Kriterium B", "LDL-C threshold"."""
    named = _CRITERION_NAMES[lang].get(code)
    if named is not None:
        return named
    return f"Kriterium {code}" if lang == "de" else f"criterion {code}"


def format_decimal(value: Decimal, lang: str = "en") -> str:
    """Exactly as entered up to 3 decimals; longer quotients as ≈ to 0.01."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -3:
        text = format(value, "f")
    else:
        text = "≈" + cents(value)
    return text.replace(".", ",") if lang == "de" else text


def cents(value: Decimal) -> str:
    """`value` rounded half-up to 0.01 for display, whatever its size."""
    if value.is_finite() and value.adjusted() < _CENTS_FAST_BELOW:
        # What the local context below does for every everyday value, without
        # the cost of entering a context: precision 28 is enough here.
        return format(value.quantize(_CENT, ROUND_HALF_UP, _CENTS_CONTEXT), "f")
    with localcontext() as context:
        context.prec = max(28, value.adjusted() + 4)
        return format(value.quantize(_CENT, rounding=ROUND_HALF_UP), "f")


class _Fields(dict[str, str]):
    """Placeholders absent from a reason's params render empty."""

    def __missing__(self, key: str) -> str:
        return ""


def _label(value: str, lang: str) -> str:
    labels = _LABELS[lang]
    if ";" in value:
        joiner = " und/oder " if lang == "de" else " and/or "
        return joiner.join(labels.get(part, part) for part in value.split(";"))
    return labels.get(value, value)


def render(code: str, params: Params, lang: str = "en") -> str:
    """The text of reason `code` with `params`, in `lang` ("en" or "de")."""
    return _render(code, params, lang, _exact(params))


def _exact(params: Params) -> tuple[str | type, ...]:
    """Per value, a Decimal's exact digits, else its type.

    Equal params may render differently (Decimal("3.1") == Decimal("3.10"),
    1 == Decimal("1.0") == True). Equal params with an equal `_exact` hold
    identical values, so the cache key carries it too: a value is always shown
    as it was entered, whatever was rendered before.
    """
    return tuple(
        str(value) if type(value) is Decimal else type(value) for _, value in params
    )


# A rendering cache, not a decision: the text is a pure function of the key.
# Rows share most reason texts (same criterion, same entered value), and the
# classify CSV path spends much of its time rendering them.
@lru_cache(maxsize=16384)
def _render(code: str, params: Params, lang: str, exact: tuple[str | type, ...]) -> str:
    if lang not in _LABELS:
        msg = f"unsupported language {lang!r}; use one of {', '.join(LANGUAGES)}"
        raise ValueError(msg)
    fields = _Fields()
    for name, value in params:
        if isinstance(value, Decimal):
            fields[name] = format_decimal(value, lang)
        elif isinstance(value, str) and name in _TRANSLATED:
            fields[name] = _label(value, lang)
        else:
            fields[name] = str(value)
    if "canonical_limit" in fields:
        fields["limit_note"] = (
            f" ({fields['canonical_limit']} {fields['canonical_unit']})"
        )
    if "criterion" in fields:
        name = criterion_name(fields["criterion"], lang)
        fields["criterion"] = name
        fields["Criterion"] = name[:1].upper() + name[1:]
    fields["range_note"] = (
        f" ({fields['low_mg_dl']}–{fields['high_mg_dl']} mg/dL)"
        if "low_mg_dl" in fields
        else ""
    )
    if "hint_unit" in fields:
        question = "meinten Sie" if lang == "de" else "did you mean"
        fields["unit_hint"] = f"; {question} {fields['hint_unit']}?"
    if "points" in fields:
        one = fields["points"] == "1"
        words = ("Punkt", "Punkte") if lang == "de" else ("point", "points")
        fields["points_word"] = words[0] if one else words[1]
    if fields.get("ezetimibe") == "yes":
        fields["ezetimibe"] = " + Ezetimib" if lang == "de" else " + ezetimibe"
    template = TEMPLATES[code][LANGUAGES.index(lang)]
    return template.format_map(fields)


# --- Stored form -------------------------------------------------------------------
# An assessment keeps its reasons as codes with parameters, rendered when read in
# the reader's language. JSON: [[code, [[name, value], ...]], ...]; a Decimal is
# kept as its digits in a three-item entry [name, "3.10", "d"] (3.1 and 3.10 read
# differently), every other value as JSON has it.
StoredReason = list[object]
_DECIMAL = "d"


def encode_params(params: Params) -> list[list[object]]:
    """`params` as JSON values, Decimals kept digit for digit."""
    return [
        [name, str(value), _DECIMAL] if isinstance(value, Decimal) else [name, value]
        for name, value in params
    ]


def decode_params(stored: list[list[object]]) -> Params:
    """The params `encode_params` stored."""
    params: list[tuple[str, ParamValue]] = []
    for entry in stored:
        name, value = str(entry[0]), entry[1]
        if len(entry) == 3 and entry[2] == _DECIMAL:
            params.append((name, Decimal(str(value))))
        elif isinstance(value, int | str):
            params.append((name, value))
        else:
            params.append((name, str(value)))
    return tuple(params)


def render_stored(stored: list[StoredReason], lang: str = "en") -> list[str]:
    """Stored reasons rendered in `lang`: the one way every reader shows them."""
    return [
        render(str(code), decode_params(params), lang)  # type: ignore[arg-type]
        for code, params in stored
    ]
