"""The only writers of screening data: each verb saves its change and the audit row
(simple-history with the acting user) in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fh_registry.access import visible_practices
from fh_registry.auditing import audited_save
from fh_registry.models import Practice, User
from screening import rules
from screening.assessing import (
    SI_QUANTUM,
    PersonFacts,
    assessment_for,
    build_case,
    evaluate,
    person_facts,
    rulesets_for,
)
from screening.models import (
    Assessment,
    Consent,
    ConsentScope,
    EntryUnit,
    FamilyHistoryEntry,
    GeneticFinding,
    GeneticResult,
    LabResult,
    LdlMethod,
    LpaUnit,
    Person,
    PersonIdentity,
    ResultSource,
    SampleType,
    Sex,
)
from screening.signals import assessment_recorded, family_changed


def _check_birth_date(birth_date: date) -> None:
    today = timezone.localdate()
    if birth_date > today:
        raise _field_error(
            "birth_date", _("The date of birth lies in the future."), "future"
        )
    if not rules.plausible_birth_date(birth_date, today):
        raise _field_error(
            "birth_date",
            _("A date of birth more than %(years)d years ago is not plausible.")
            % {"years": rules.MAX_AGE_YEARS},
            "implausible",
        )


@dataclass(frozen=True, slots=True)
class IdentityEntry:
    given_name: str
    family_name: str
    street: str = ""
    postcode: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""


@transaction.atomic
def register_child(
    *,
    acting_user: User,
    practice: Practice,
    sex: str,
    birth_date: date,
    practice_patient_number: str,
    identity: IdentityEntry,
    consent_given_on: date,
    consent_given_by: str = "",
) -> Person:
    """Register a child with identity and screening consent in one step.

    A child is only screened with consent, so consent is part of registration.
    """
    if not visible_practices(acting_user).filter(pk=practice.pk).exists():
        raise ValidationError(
            {"practice": ValidationError("Not one of your practices.", code="scope")}
        )
    if sex not in Sex.values:
        raise ValidationError(
            {"sex": ValidationError("Sex must be F or M.", code="sex")}
        )
    _check_birth_date(birth_date)
    _check_consent_date(consent_given_on, birth_date=birth_date)
    number = practice_patient_number.strip()
    if (
        number
        and Person.objects.filter(
            practice=practice, practice_patient_number=number
        ).exists()
    ):
        raise ValidationError(
            {
                "practice_patient_number": ValidationError(
                    "This practice already has a child with this patient number.",
                    code="duplicate_patient_number",
                )
            }
        )
    person = Person(
        practice=practice,
        sex=sex,
        birth_date=birth_date,
        practice_patient_number=number,
    )
    audited_save(person, acting_user=acting_user)
    audited_save(
        PersonIdentity(person=person, **_fields(identity)),
        acting_user=acting_user,
    )
    _give_screening_consent(
        person, on=consent_given_on, by=consent_given_by, acting_user=acting_user
    )
    return person


#: The consent rules, shown before a consent form is filled in (GDPR Art. 9(2)(a)).
CONSENT_RULES = gettext_lazy(
    "A child's screening data are processed only with the written consent of a "
    "parent or guardian. Enter the day the consent form was signed: it cannot lie "
    "in the future or before the child's birth. Without consent no result can be "
    "recorded."
)


def _check_consent_date(given_on: date, *, birth_date: date) -> None:
    if given_on > timezone.localdate():
        raise _field_error(
            "consent_given_on", _("The consent date lies in the future."), "future"
        )
    if birth_date > given_on:
        raise _field_error(
            "consent_given_on",
            _("Consent cannot predate the birth date."),
            "consent_date",
        )


def _screening_consent_in_force(person: Person) -> bool:
    return (
        Consent.objects.filter(person=person, scope=ConsentScope.SCREENING)
        .in_force(on=timezone.localdate())
        .exists()
    )


def _give_screening_consent(
    person: Person, *, on: date, by: str, acting_user: User
) -> None:
    audited_save(
        Consent(person=person, scope=ConsentScope.SCREENING, given_on=on, given_by=by),
        acting_user=acting_user,
    )


@transaction.atomic
def record_consent(
    *,
    person: Person,
    scope: str,
    given_on: date,
    given_by: str = "",
    acting_user: User | None,
) -> Consent:
    """Record a consent given on `given_on` for `scope`. `acting_user` None: the
    person answered themselves, on the public answer page (no account)."""
    if scope not in ConsentScope.values:
        raise _field_error("scope", _("This is not a scope of consent."), "scope")
    _check_consent_date(given_on, birth_date=person.birth_date)
    consent = Consent(person=person, scope=scope, given_on=given_on, given_by=given_by)
    audited_save(consent, acting_user=acting_user)
    return consent


@transaction.atomic
def complete_child_record(
    *,
    acting_user: User,
    person: Person,
    identity: IdentityEntry,
    consent_given_on: date,
    consent_given_by: str = "",
) -> Person:
    """Add the name, contact and screening consent of a child that arrived
    without them (a lab file carries neither), so that the practice can go on."""
    if PersonIdentity.objects.filter(person=person).exists():
        raise _field_error(
            NON_FIELD_ERRORS,
            _("This child's name is already recorded."),
            "identity_exists",
        )
    _check_consent_date(consent_given_on, birth_date=person.birth_date)
    audited_save(
        PersonIdentity(person=person, **_fields(identity)), acting_user=acting_user
    )
    if not _screening_consent_in_force(person):
        _give_screening_consent(
            person,
            on=consent_given_on,
            by=consent_given_by,
            acting_user=acting_user,
        )
    return person


def _fields(identity: IdentityEntry) -> dict[str, str]:
    return {name: getattr(identity, name) for name in identity.__slots__}


@transaction.atomic
def record_family_history(
    *, acting_user: User, person: Person, code: str, detail: str = ""
) -> FamilyHistoryEntry:
    """Record one family finding; the family has been asked."""
    entry = FamilyHistoryEntry.objects.filter(person=person, code=code).first()
    if entry is None:
        entry = FamilyHistoryEntry(person=person, code=code)
    entry.detail = detail
    try:
        audited_save(entry, acting_user=acting_user)
    except IntegrityError as error:  # a concurrent save of the same code
        raise ValidationError(
            {"code": ValidationError("Already recorded.", code="duplicate")}
        ) from error
    _note_family_asked(person=person, acting_user=acting_user)
    _reassess_latest(person=person, acting_user=acting_user)
    return entry


@transaction.atomic
def record_family_history_asked(*, acting_user: User, person: Person) -> Person:
    """The family was asked and reports none of the findings: the family history
    is recorded as none (not unknown), and the latest result is assessed anew."""
    _note_family_asked(person=person, acting_user=acting_user)
    _reassess_latest(person=person, acting_user=acting_user)
    return person


def _note_family_asked(*, person: Person, acting_user: User) -> None:
    if person.family_history_asked_on is None:
        person.family_history_asked_on = timezone.localdate()
        audited_save(person, acting_user=acting_user)


@transaction.atomic
def record_genetic_result(
    *,
    acting_user: User,
    person: Person,
    gene: str,
    hgvs_c: str,
    acmg_class: str,
    lab: str,
    report_date: date,
    hgvs_p: str = "",
    transcript: str = "",
    finding: str = GeneticFinding.CARRIER,
) -> GeneticResult:
    """Record a reported variant, or (`finding` non_carrier, no class) a test for
    the family's variant that did not find it; GenDG §12 retention is ten years
    from the report. The person's family hears of it (the cascade)."""
    if report_date > timezone.localdate():
        raise _field_error(
            "report_date", _("The report date lies in the future."), "future"
        )
    if finding == GeneticFinding.CARRIER and not acmg_class:
        raise _field_error(
            "acmg_class", _("Give the variant's ACMG class."), "required"
        )
    if finding == GeneticFinding.NON_CARRIER:
        acmg_class = ""  # nothing was found, so nothing is classed
    retain_until = rules.anniversary(report_date, report_date.year + 10)
    result = GeneticResult(
        person=person,
        gene=gene.strip().upper(),
        hgvs_c=hgvs_c.strip(),
        hgvs_p=hgvs_p.strip(),
        transcript=transcript.strip(),
        finding=finding,
        acmg_class=acmg_class,
        lab=lab.strip(),
        report_date=report_date,
        retain_until=retain_until,
        entered_by=acting_user,
    )
    audited_save(result, acting_user=acting_user)
    _reassess_latest(person=person, acting_user=acting_user)
    family_changed.send(sender=Person, persons=[person], acting_user=acting_user)
    return result


def _reassess_latest(*, person: Person, acting_user: User) -> Assessment | None:
    """New family or genetic facts change the picture: assess the latest result."""
    latest = (
        LabResult.objects.filter(person=person).order_by("-sample_date", "-pk").first()
    )
    if latest is None:
        return None
    assessments = [
        assess_lab_result(lab_result=latest, acting_user=acting_user, ruleset=ruleset)
        for ruleset in rulesets_for(person.birth_date, latest.sample_date)
    ]
    return assessments[0]


# --- Lab results ------------------------------------------------------------------

LAB_VALUE_FIELDS = (
    "total_cholesterol",
    "hdl_cholesterol",
    "ldl_cholesterol",
    "triglycerides",
    "non_hdl_cholesterol",
)
_MAX_DECIMAL_PLACES = 4
_MAX_VALUE = Decimal("100000")


@dataclass(frozen=True, slots=True)
class LabEntry:
    """One sample as entered: values in `unit`, Decimal from the entered text."""

    sample_date: date
    sample_type: str
    unit: str
    fasting: bool | None = None
    total_cholesterol: Decimal | None = None
    hdl_cholesterol: Decimal | None = None
    ldl_cholesterol: Decimal | None = None
    ldl_method: str = "direct"
    triglycerides: Decimal | None = None
    non_hdl_cholesterol: Decimal | None = None
    lipoprotein_a: Decimal | None = None
    lipoprotein_a_unit: str = ""
    tsh_mu_l: Decimal | None = None
    lab_sample_id: str = ""
    secondary_cause: str = ""


@dataclass(frozen=True, slots=True)
class RecordedResult:
    lab_result: LabResult
    assessment: Assessment
    created: bool  # False when an idempotent retry returned the earlier result


def _field_error(field: str, message: str, code: str, **params: Any) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code, params=params)})


def check_lab_entry(
    entry: LabEntry,
    *,
    person: Person,
    confirm_extreme: bool = False,
    today: date | None = None,
) -> rules.LipidPanel:
    """Every problem of an entry at once, keyed by field, with stable codes.

    Implausible values are refused; extreme-but-possible ones need an explicit
    confirmation (DOMAIN §3d). Messages are in the active language. `today`
    (default: the local date now) is the latest acceptable sample date. Returns
    the entry's panel.
    """
    panel, _found = checked_lab_entry(
        entry, person=person, confirm_extreme=confirm_extreme, today=today
    )
    return panel


def checked_lab_entry(
    entry: LabEntry,
    *,
    person: Person,
    confirm_extreme: bool = False,
    today: date | None = None,
) -> tuple[rules.LipidPanel, tuple[rules.Problem, ...]]:
    """`check_lab_entry`, returning with the panel its plausibility problems
    (the warnings and queries a confirmed entry keeps), found once."""
    problems = _shape_problems(entry, person=person, today=today)
    problems += _number_problems(entry)
    panel = None
    found: tuple[rules.Problem, ...] = ()
    if not problems:
        panel = lab_panel(entry)
        found = rules.check_panel(panel)
        if found:
            lang = (translation.get_language() or "en")[:2]
            problems = [
                (problem.field, problem.text(lang), _problem_code(problem))
                for problem in found
                if problem.severity == "error" or not confirm_extreme
            ]
    if problems:
        errors: dict[str, list[ValidationError]] = {}
        for field, message, code in problems:
            errors.setdefault(field, []).append(ValidationError(message, code=code))
        raise ValidationError(errors)
    assert panel is not None
    return panel, found


Problems = list[tuple[str, str, str]]  # field, message, code


# Django's choices enums build `.values` anew on every read; these are read per row.
_UNITS = frozenset(EntryUnit.values)
_LDL_METHODS = frozenset(LdlMethod.values)
_SAMPLE_TYPES = frozenset(SampleType.values)
_LPA_UNITS = frozenset(LpaUnit.values)


def _shape_problems(
    entry: LabEntry, *, person: Person, today: date | None = None
) -> Problems:
    problems: Problems = []
    if entry.unit not in _UNITS:
        problems.append(("unit", _("Unit must be mmol/L or mg/dL."), "unit"))
    if entry.ldl_method not in _LDL_METHODS:
        problems.append(
            (
                "ldl_method",
                _("LDL-C method must be direct, calculated or unknown."),
                "ldl_method",
            )
        )
    if entry.sample_type not in _SAMPLE_TYPES:
        problems.append(
            (
                "sample_type",
                _("Sample type must be capillary or venous."),
                "sample_type",
            )
        )
    if entry.sample_date < person.birth_date:
        problems.append(
            (
                "sample_date",
                _("The sample date lies before the date of birth."),
                "before_birth",
            )
        )
    if entry.sample_date > (today or timezone.localdate()):
        problems.append(
            ("sample_date", _("The sample date lies in the future."), "future")
        )
    if all(getattr(entry, name) is None for name in LAB_VALUE_FIELDS):
        problems.append(
            (
                NON_FIELD_ERRORS,
                _(
                    "Enter at least one lipid value: total cholesterol, HDL-C, "
                    "LDL-C, triglycerides or non-HDL-C."
                ),
                "no_values",
            )
        )
    if entry.lipoprotein_a is not None and entry.lipoprotein_a_unit not in _LPA_UNITS:
        problems.append(
            ("lipoprotein_a_unit", _("Lp(a) unit must be mg/dL or nmol/L."), "lpa_unit")
        )
    return problems


def _number_problems(entry: LabEntry) -> Problems:
    problems: Problems = []
    for name in (*LAB_VALUE_FIELDS, "lipoprotein_a", "tsh_mu_l"):
        value = getattr(entry, name)
        if value is None:
            continue
        if not value.is_finite() or value < 0 or value >= _MAX_VALUE:
            problems.append(
                (
                    name,
                    _("%(value)s is not a usable value.") % {"value": value},
                    "invalid_number",
                )
            )
        elif -int(value.as_tuple().exponent) > _MAX_DECIMAL_PLACES:
            problems.append(
                (
                    name,
                    _("At most %(places)d decimal places.")
                    % {"places": _MAX_DECIMAL_PLACES},
                    "precision",
                )
            )
    return problems


def _problem_code(problem: rules.Problem) -> str:
    # Warnings and queries block until confirmed; the code says which confirmation.
    return problem.code if problem.severity == "error" else "needs_confirmation"


def lab_panel(entry: LabEntry) -> rules.LipidPanel:
    return rules.LipidPanel(
        unit=rules.Unit(entry.unit),
        total_cholesterol=entry.total_cholesterol,
        ldl_cholesterol=entry.ldl_cholesterol,
        ldl_method=rules.LdlMethod(entry.ldl_method),
        hdl_cholesterol=entry.hdl_cholesterol,
        triglycerides=entry.triglycerides,
    )


def _si(value: Decimal | None, unit: str, analyte: rules.Analyte) -> Decimal | None:
    if value is None:
        return None
    converted = rules.to_mmol_l(value, rules.Unit(unit), analyte)
    return converted.quantize(SI_QUANTUM)


def computed_ldl_mmol_l(panel: rules.LipidPanel) -> Decimal | None:
    """Friedewald LDL-C of this sample in mmol/L when none was entered and it is
    valid (DOMAIN §3c); None otherwise. A property of the sample, not of a rule set's
    verdict, which may rest on another occasion's LDL-C."""
    if panel.ldl_cholesterol is not None:
        return None
    value, source, _alerts = rules.resolve_ldl(panel)
    if source != "friedewald":
        return None
    return _si(value, panel.unit, rules.Analyte.CHOLESTEROL)


def _new_lab_result(
    entry: LabEntry, *, person: Person, acting_user: User, source: str, key: str | None
) -> LabResult:
    chol = rules.Analyte.CHOLESTEROL
    computed = computed_ldl_mmol_l(lab_panel(entry))
    return LabResult(
        person=person,
        sample_date=entry.sample_date,
        sample_type=entry.sample_type,
        fasting=entry.fasting,
        lab_sample_id=entry.lab_sample_id.strip(),
        entered_unit=entry.unit,
        total_cholesterol_entered=entry.total_cholesterol,
        hdl_cholesterol_entered=entry.hdl_cholesterol,
        ldl_cholesterol_entered=entry.ldl_cholesterol,
        triglycerides_entered=entry.triglycerides,
        non_hdl_cholesterol_entered=entry.non_hdl_cholesterol,
        ldl_method=LdlMethod.CALCULATED if computed is not None else entry.ldl_method,
        ldl_computed_here=computed is not None,
        tc_mmol_l=_si(entry.total_cholesterol, entry.unit, chol),
        hdl_mmol_l=_si(entry.hdl_cholesterol, entry.unit, chol),
        ldl_mmol_l=computed
        if computed is not None
        else _si(entry.ldl_cholesterol, entry.unit, chol),
        tg_mmol_l=_si(entry.triglycerides, entry.unit, rules.Analyte.TRIGLYCERIDES),
        non_hdl_mmol_l=_si(entry.non_hdl_cholesterol, entry.unit, chol),
        lipoprotein_a=entry.lipoprotein_a,
        lipoprotein_a_unit=entry.lipoprotein_a_unit if entry.lipoprotein_a else "",
        tsh_mu_l=entry.tsh_mu_l,
        secondary_cause=entry.secondary_cause.strip(),
        source=source,
        entered_by=acting_user,
        idempotency_key=key,
    )


_ENTERED_FIELDS = (
    "sample_date",
    "sample_type",
    "fasting",
    "lab_sample_id",
    "entered_unit",
    "total_cholesterol_entered",
    "hdl_cholesterol_entered",
    "ldl_cholesterol_entered",
    "triglycerides_entered",
    "non_hdl_cholesterol_entered",
    "ldl_method",
    "lipoprotein_a",
    "lipoprotein_a_unit",
    "tsh_mu_l",
    "secondary_cause",
)


def _entered(result: LabResult) -> tuple[Any, ...]:
    """What a user entered for a result, comparable across a retry (numbers by
    value: 5.30 as stored equals 5.3 as sent)."""
    return tuple(
        Decimal(value).normalize() if isinstance(value, Decimal) else value
        for value in (getattr(result, name) for name in _ENTERED_FIELDS)
    )


def _replay(
    *, acting_user: User, key: str, person: Person, entry: LabEntry
) -> RecordedResult | None:
    earlier = (
        LabResult.objects.filter(entered_by=acting_user, idempotency_key=key)
        .select_related("person")
        .first()
    )
    if earlier is None:
        return None
    # A retry carries the same values; other values under the key are a
    # conflict, never silently the first ones.
    if earlier.person_id != person.pk or _entered(earlier) != _entered(
        _new_lab_result(
            entry, person=person, acting_user=acting_user, source="", key=None
        )
    ):
        raise ValidationError(
            {
                "idempotency_key": ValidationError(
                    "This idempotency key was used for a different result.",
                    code="idempotency_conflict",
                )
            }
        )
    assessment = earlier.assessments.order_by("pk").first()
    assert assessment is not None  # every result is assessed in its transaction
    return RecordedResult(lab_result=earlier, assessment=assessment, created=False)


def record_lab_result(
    *,
    acting_user: User,
    person: Person,
    entry: LabEntry,
    source: str = ResultSource.FORM,
    confirm_extreme: bool = False,
    idempotency_key: str | None = None,
) -> RecordedResult:
    """Store a result with its history row and an Assessment by the active rule set.

    A later result re-evaluates criteria that need two occasions, since the case
    is built from all of the child's results up to this one.
    """
    try:
        return _record_lab_result(
            acting_user=acting_user,
            person=person,
            entry=entry,
            source=source,
            confirm_extreme=confirm_extreme,
            idempotency_key=idempotency_key,
        )
    except IntegrityError as error:
        # A concurrent request with the same key (or the same sample) won the race;
        # our transaction (or savepoint, when nested) is rolled back by now.
        if idempotency_key:
            replay = _replay(
                acting_user=acting_user, key=idempotency_key, person=person, entry=entry
            )
            if replay is not None:
                return replay
        raise _field_error(
            "lab_sample_id",
            _("This sample is already recorded for this child."),
            "duplicate_sample",
        ) from error


@transaction.atomic
def _record_lab_result(
    *,
    acting_user: User,
    person: Person,
    entry: LabEntry,
    source: str,
    confirm_extreme: bool,
    idempotency_key: str | None,
) -> RecordedResult:
    found = _preconditions(
        person=person, entry=entry, acting_user=acting_user, key=idempotency_key
    )
    if found.retried and idempotency_key:
        replay = _replay(
            acting_user=acting_user, key=idempotency_key, person=person, entry=entry
        )
        if replay is not None:
            return replay
    # Consent governs processing: it must be in force when the result is recorded.
    if not found.consented:
        raise _field_error(
            "person", _("No screening consent in force for this child."), "no_consent"
        )
    check_lab_entry(entry, person=person, confirm_extreme=confirm_extreme)
    if found.duplicate:
        raise _field_error(
            "lab_sample_id",
            _("This sample is already recorded for this child."),
            "duplicate_sample",
        )
    result = _new_lab_result(
        entry,
        person=person,
        acting_user=acting_user,
        source=source,
        key=idempotency_key or None,
    )
    audited_save(result, acting_user=acting_user)
    assessments = [
        _assessment_of(
            lab_result=result,
            series=[*found.earlier, result],
            facts=found.facts,
            acting_user=acting_user,
            ruleset=ruleset,
        )
        for ruleset in rulesets_for(person.birth_date, result.sample_date)
    ]
    for assessment in assessments:
        audited_save(assessment, acting_user=acting_user)
    _announce(assessments, acting_user)
    return RecordedResult(lab_result=result, assessment=assessments[0], created=True)


@dataclass(frozen=True, slots=True)
class _Preconditions:
    consented: bool  # screening consent in force today
    duplicate: bool  # the same sample already stored
    retried: bool  # an earlier result under this idempotency key
    earlier: list[LabResult]  # the series the new result joins, oldest first
    facts: PersonFacts


def _preconditions(
    *, person: Person, entry: LabEntry, acting_user: User, key: str | None
) -> _Preconditions:
    """What a capture checks and what its assessment needs."""
    sample_id = entry.lab_sample_id.strip()
    return _Preconditions(
        consented=_screening_consent_in_force(person),
        duplicate=bool(sample_id)
        and LabResult.objects.filter(
            person=person, sample_date=entry.sample_date, lab_sample_id=sample_id
        ).exists(),
        retried=bool(key)
        and LabResult.objects.filter(
            entered_by=acting_user, idempotency_key=key
        ).exists(),
        # Every earlier result up to this sample date (same date: entered before).
        earlier=list(
            LabResult.objects.filter(
                person=person, sample_date__lte=entry.sample_date
            ).order_by("sample_date", "pk")
        ),
        facts=person_facts(person),
    )


def assess_lab_result(
    *, lab_result: LabResult, acting_user: User, ruleset: rules.RuleSet
) -> Assessment:
    """Evaluate a stored result in its series and save the immutable Assessment."""
    series = list(
        LabResult.objects.filter(person_id=lab_result.person_id)
        .filter(
            Q(sample_date__lt=lab_result.sample_date)
            | Q(sample_date=lab_result.sample_date, pk__lte=lab_result.pk)
        )
        .order_by("sample_date", "pk")
    )
    assessment = _assessment_of(
        lab_result=lab_result,
        series=series,
        facts=person_facts(lab_result.person),
        acting_user=acting_user,
        ruleset=ruleset,
    )
    audited_save(assessment, acting_user=acting_user)
    _announce([assessment], acting_user)
    return assessment


def _assessment_of(
    *,
    lab_result: LabResult,
    series: list[LabResult],
    facts: PersonFacts,
    acting_user: User,
    ruleset: rules.RuleSet,
) -> Assessment:
    """The unsaved Assessment of `lab_result`, the last of `series`."""
    person = lab_result.person
    case = build_case(
        sex=person.sex,
        birth_date=person.birth_date,
        results=series,
        family_codes=facts.family_codes,
        variant_classes=facts.variant_classes,
        findings=facts.findings,
    )
    evaluation = evaluate(
        ruleset, case, family_history_asked=facts.family_history_asked
    )
    return assessment_for(
        evaluation, case=case, lab_result=lab_result, acting_user=acting_user
    )


def _announce(assessments: list[Assessment], acting_user: User) -> None:
    """The follow-up side hears of every new assessment: it opens episodes for
    those that call for it and replans the cascade of affected persons."""
    assessment_recorded.send(
        sender=Assessment, assessments=assessments, acting_user=acting_user
    )


@transaction.atomic
def register_parent(
    *,
    acting_user: User,
    child: Person,
    sex: str,
    birth_date: date,
    identity: IdentityEntry,
    deceased: bool = False,
) -> Person:
    """Register a person's mother (F) or father (M) and link the pedigree; the
    person may be a child or any relative (grandparents are a parent's parents)."""
    link = "mother" if sex == Sex.FEMALE else "father"
    if getattr(child, f"{link}_id") is not None:
        message = (
            _("This person's mother is already registered.")
            if link == "mother"
            else _("This person's father is already registered.")
        )
        raise _field_error(NON_FIELD_ERRORS, message, "exists")
    if birth_date >= child.birth_date:
        raise _field_error(
            "birth_date", _("A parent is born before the child."), "order"
        )
    parent = _new_relative(
        acting_user,
        practice=child.practice,
        sex=sex,
        birth_date=birth_date,
        identity=identity,
        deceased=deceased,
    )
    setattr(child, link, parent)
    audited_save(child, acting_user=acting_user)
    family_changed.send(sender=Person, persons=[child, parent], acting_user=acting_user)
    return parent


def _new_relative(
    acting_user: User,
    *,
    practice: Practice,
    sex: str,
    birth_date: date,
    identity: IdentityEntry,
    deceased: bool,
    mother: Person | None = None,
    father: Person | None = None,
) -> Person:
    _check_birth_date(birth_date)
    person = Person(
        practice=practice,
        sex=sex,
        birth_date=birth_date,
        deceased=deceased,
        mother=mother,
        father=father,
    )
    audited_save(person, acting_user=acting_user)
    audited_save(
        PersonIdentity(person=person, **_fields(identity)), acting_user=acting_user
    )
    return person


@transaction.atomic
def register_child_of(
    *,
    acting_user: User,
    mother: Person | None,
    father: Person | None,
    sex: str,
    birth_date: date,
    identity: IdentityEntry,
    deceased: bool = False,
) -> Person:
    """Register a relative as the child of `mother` and/or `father` (a sibling is
    a child of the same parents, a half-sibling of one; an aunt a grandparent's
    child). At least one parent; each must be of the right sex and born before."""
    parents = [p for p in (mother, father) if p is not None]
    if not parents:
        raise _field_error(
            NON_FIELD_ERRORS, _("Name at least one registered parent."), "required"
        )
    if mother is not None and mother.sex != Sex.FEMALE:
        raise _field_error("mother", _("The mother is registered as male."), "sex")
    if father is not None and father.sex != Sex.MALE:
        raise _field_error("father", _("The father is registered as female."), "sex")
    if any(birth_date <= p.birth_date for p in parents):
        raise _field_error(
            "birth_date", _("A parent is born before the child."), "order"
        )
    person = _new_relative(
        acting_user,
        practice=parents[0].practice,
        sex=sex,
        birth_date=birth_date,
        identity=identity,
        deceased=deceased,
        mother=mother,
        father=father,
    )
    family_changed.send(sender=Person, persons=[person], acting_user=acting_user)
    return person


@transaction.atomic
def record_vital_status(*, acting_user: User, person: Person, deceased: bool) -> Person:
    """Record that a person died (or correct it); the family's cascade hears."""
    if person.deceased != deceased:
        person.deceased = deceased
        audited_save(person, acting_user=acting_user)
        family_changed.send(sender=Person, persons=[person], acting_user=acting_user)
    return person


@transaction.atomic
def record_clinical_findings(
    *, acting_user: User, person: Person, **findings: bool | None
) -> Person:
    """An adult's own findings (premature CHD, xanthoma, arcus), which DLCN and
    Simon Broome read; the latest result is reassessed with them."""
    allowed = {
        "premature_chd",
        "premature_cerebral_or_peripheral_vd",
        "tendon_xanthoma",
        "corneal_arcus_before_45",
    }
    unknown = set(findings) - allowed
    if unknown:
        raise ValueError(f"not a clinical finding: {', '.join(sorted(unknown))}")
    for name, value in findings.items():
        setattr(person, name, value)
    audited_save(person, acting_user=acting_user)
    _reassess_latest(person=person, acting_user=acting_user)
    return person


@transaction.atomic
def withdraw_consent(*, acting_user: User, person: Person, on: date) -> Person:
    """Consent withdrawn (DOMAIN §7; policy in docs/security.md): processing
    stops and the identity is erased.

    - Every consent in force ends on `on` (audited).
    - Names, address and contact are deleted, with their history rows; the
      practice patient number is blanked in the person and its history. What
      stays is pseudonymous: results and assessments (excluded from processing
      and statistics from now on) and genetic results, which GenDG §12 keeps
      until their retention date.
    - The follow-up side hears of it (family_changed): the open care episode
      closes as declined, active tasks are cancelled, no invitation is made.
    """
    if on > timezone.localdate():
        raise _field_error("withdrawn_on", _("The date lies in the future."), "future")
    for consent in Consent.objects.filter(person=person).in_force(on=on):
        consent.withdrawn_on = on
        audited_save(consent, acting_user=acting_user)
    PersonIdentity.objects.filter(person=person).delete()
    PersonIdentity.history.filter(person_id=person.pk).delete()
    if person.practice_patient_number:
        person.practice_patient_number = ""
        audited_save(person, acting_user=acting_user)
    Person.history.filter(id=person.pk).update(practice_patient_number="")
    family_changed.send(sender=Person, persons=[person], acting_user=acting_user)
    return person


def consent_withdrawn(person: Person) -> bool:
    """Whether the person's screening consent was withdrawn (none in force)."""
    return Consent.objects.filter(
        person=person, withdrawn_on__isnull=False
    ).exists() and not _screening_consent_in_force(person)
