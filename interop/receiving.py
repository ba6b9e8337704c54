"""Reading a posted Bundle: which children, samples, variants and family findings
it carries, and every problem, entry by entry. Writes nothing.

Each entry is first checked where the registry reads it (structure.py: element
names and datatypes by `fhir.resources`' R4B definitions); then the elements
the registry takes are read from it. Lipid Observations are grouped into samples
(one subject, one sample date, one specimen): a sample becomes one row of the
lab-file pipeline (services.py), so it is checked and stored exactly as a line
of a lab file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError as ModelError

from interop import codes, structure
from interop.outcomes import ERROR, INFORMATION, Issue
from screening.models import FamilyHistoryCode, GeneticFinding, Person

#: Resources a lab message may carry for context; read where useful, not stored.
CONTEXT_TYPES = frozenset(
    {"Specimen", "DiagnosticReport", "Organization", "Practitioner", "ServiceRequest"}
)
TAKEN_TYPES = frozenset({"Patient", "Observation", "FamilyMemberHistory"})
#: Observation statuses whose values are stored; any other is refused.
STORED_STATUSES = frozenset({"final", "amended", "corrected"})
_CHOLESTEROL_UNITS = (codes.MG_DL, codes.MMOL_L)
# The element naming the child an Observation or family finding is about.
_SUBJECT = {"Observation": "subject", "FamilyMemberHistory": "patient"}

#: Finds children of the caller's practice by "pseudonym" or practice patient
#: "number": those of the values found, by value (outside the caller's scope
#: reads as not found).
KnownChildren = Callable[[str, set[str]], dict[str, Person]]


@dataclass
class Child:
    """A child the Bundle speaks of: new (a Patient entry) or known."""

    number: str  # the practice patient number: the lab-file pipeline's key
    sex: str
    birth_date: date
    entry: int | None = None  # the Patient entry, for a child sent with one
    pseudonym: str = ""  # a known child's


@dataclass
class Specimen:
    sample_type: str = ""
    lab_sample_id: str = ""
    fasting: bool | None = None
    collected_on: date | None = None


@dataclass
class Sample:
    """The lipid values of one sample: one row of the lab-file pipeline."""

    child: Child
    sample_date: date
    specimen: Specimen
    unit: str = ""
    values: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    ldl_method: str = "direct"
    lipoprotein_a: tuple[int, Decimal] | None = None
    derived: list[int] = field(default_factory=list)  # non-HDL-C entries

    @property
    def entries(self) -> list[int]:
        listed = [entry for entry, _value in self.values.values()] + self.derived
        if self.lipoprotein_a is not None:
            listed.append(self.lipoprotein_a[0])
        return sorted(listed)


@dataclass
class Variant:
    entry: int
    child: Child
    gene: str
    hgvs_c: str
    hgvs_p: str
    transcript: str
    finding: str
    acmg_class: str
    lab: str
    report_date: date


@dataclass
class Finding:
    entry: int
    child: Child
    code: str


@dataclass
class Reading:
    """What the Bundle carries, and its problems by entry."""

    kind: str
    entry_count: int
    children: list[Child] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    context: list[int] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def refuse(
        self, entry: int | None, code: str, message: str, path: str = ""
    ) -> None:
        self.issues.append(Issue(ERROR, code, message, entry, path))


class _Refused(Exception):  # noqa: N818 - carries an entry's refusal
    def __init__(self, code: str, message: str, path: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.path = code, message, path


def _codings(concept: Any) -> list[dict[str, Any]]:
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding") or [] if isinstance(c, dict)]


def _code_in(concept: Any, system: str) -> str:
    for coding in _codings(concept):
        if coding.get("system") == system and coding.get("code"):
            return str(coding["code"])
    return ""


def _day(text: Any) -> date | None:
    """The calendar day a FHIR date or dateTime names, as written (the lab's
    local day); None unless it names a full day."""
    if not isinstance(text, str) or len(text) < 10:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def read_bundle(bundle: Any, *, known: KnownChildren) -> Reading:
    """Read a transaction or batch Bundle.

    `known(kind, values)` finds children of the caller's practice, asked once
    for every child the Bundle names by pseudonym or practice patient number.
    """
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        reading = Reading(kind="", entry_count=0)
        reading.refuse(
            None, "structure", _("Send a Bundle of type transaction or batch.")
        )
        return reading
    kind = bundle.get("type")
    entries = bundle.get("entry") or []
    reading = Reading(kind=str(kind), entry_count=len(entries))
    if kind not in ("transaction", "batch"):
        reading.refuse(
            None, "not-supported", _("Send a Bundle of type transaction or batch.")
        )
        return reading
    try:
        get_fhir_model_class("Bundle").model_validate(
            {k: v for k, v in bundle.items() if k != "entry"}
        )
    except ModelError as error:
        reading.refuse(None, "structure", _model_message(error))
        return reading
    _Reader(reading, entries, known).read()
    return reading


def _model_message(error: ModelError) -> str:
    first = error.errors()[0]
    return _not_valid(".".join(str(part) for part in first["loc"]), first["msg"])


def _not_valid(where: str, problem: str) -> str:
    return _("Not a valid FHIR R4 resource: %(where)s: %(problem)s") % {
        "where": where,
        "problem": problem,
    }


class _Reader:
    def __init__(
        self,
        reading: Reading,
        entries: list[Any],
        known: KnownChildren,
    ) -> None:
        self.reading, self.entries, self.find_known = reading, entries, known
        self.resources: dict[int, dict[str, Any]] = {}
        self.by_url: dict[str, int] = {}
        self.children: dict[int, Child] = {}  # by Patient entry
        self.samples: dict[tuple[Any, ...], Sample] = {}
        self.known: dict[str, dict[str, Person]] = {"pseudonym": {}, "number": {}}
        self.known_children: dict[int, Child] = {}  # by person id

    def read(self) -> None:
        for index, entry in enumerate(self.entries):
            self._index(index, entry)
        # Patients first: the other entries refer to them.
        readers: dict[str, Callable[[int, dict[str, Any]], None]] = {
            "Patient": self._patient
        }
        self._each(readers)
        self._look_up_known()
        self._each(
            {"Observation": self._observation, "FamilyMemberHistory": self._finding}
        )
        self.reading.samples = list(self.samples.values())
        self._check_samples()

    def _each(self, readers: dict[str, Callable[[int, dict[str, Any]], None]]) -> None:
        """Read every resource of these types; a refusal names its entry."""
        for index, resource in self.resources.items():
            read = readers.get(resource["resourceType"])
            if read is None:
                continue
            try:
                read(index, resource)
            except _Refused as refusal:
                self.reading.refuse(index, refusal.code, refusal.message, refusal.path)

    # --- Entries -----------------------------------------------------------------

    def _index(self, index: int, entry: Any) -> None:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or "resourceType" not in resource:
            self.reading.refuse(index, "required", _("The entry has no resource."))
            return
        method = (entry.get("request") or {}).get("method", "POST")
        kind = resource["resourceType"]
        if method not in ("POST", "PUT"):
            self.reading.refuse(
                index,
                "not-supported",
                _("Only POST and PUT entries are accepted."),
                "",
            )
            return
        if kind not in TAKEN_TYPES | CONTEXT_TYPES:
            self.reading.refuse(
                index,
                "not-supported",
                _(
                    "%(type)s is not accepted: send Patients, lab Observations, "
                    "genetic variant Observations and family-history findings."
                )
                % {"type": kind},
            )
            return
        try:
            structure.check(resource)
        except structure.StructureProblem as problem:
            self.reading.refuse(
                index,
                "structure",
                _not_valid(problem.where, problem.message),
                problem.where,
            )
            return
        self.resources[index] = resource
        if kind in CONTEXT_TYPES:
            self.reading.context.append(index)
        url = entry.get("fullUrl")
        if isinstance(url, str) and url:
            self.by_url[url] = index
        if resource.get("id"):
            self.by_url[f"{kind}/{resource['id']}"] = index

    def _look_up_known(self) -> None:
        """The children named by pseudonym or patient number, in one query each."""
        wanted: dict[str, set[str]] = {"pseudonym": set(), "number": set()}
        for kind, value in self._named_children():
            wanted[kind].add(value)
        for kind, values in wanted.items():
            if values:
                self.known[kind] = self.find_known(kind, values)

    def _named_children(self) -> Iterator[tuple[str, str]]:
        for resource in self.resources.values():
            subject = resource.get(_SUBJECT.get(resource["resourceType"], ""))
            if not isinstance(subject, dict):
                continue
            reference = subject.get("reference")
            if isinstance(reference, str) and reference.startswith("Patient/"):
                yield "pseudonym", reference.removeprefix("Patient/")
            identifier = subject.get("identifier")
            if isinstance(identifier, dict) and identifier.get("value"):
                yield "number", str(identifier["value"])

    def _patient(self, index: int, resource: dict[str, Any]) -> None:
        number = _patient_number(resource)
        gender = resource.get("gender")
        if gender not in ("female", "male"):
            raise _Refused(
                "value", _("Sex must be female or male for a screened child."), "gender"
            )
        born = _day(resource.get("birthDate"))
        if born is None:
            raise _Refused(
                "required", _("A full date of birth is required."), "birthDate"
            )
        child = Child(number, "F" if gender == "female" else "M", born, entry=index)
        self.children[index] = child
        self.reading.children.append(child)

    def _subject(self, resource: dict[str, Any], element: str) -> Child:
        """The child an Observation or history is about."""
        subject = resource.get(element)
        if not isinstance(subject, dict):
            raise _Refused(
                "required", _("The subject (a Patient) is missing."), element
            )
        reference = subject.get("reference")
        if isinstance(reference, str) and reference:
            if reference in self.by_url and self.by_url[reference] in self.children:
                return self.children[self.by_url[reference]]
            if reference.startswith("Patient/"):
                person = self.known["pseudonym"].get(reference.removeprefix("Patient/"))
                if person is not None:
                    return self._known_child(person, element)
        identifier = subject.get("identifier")
        if isinstance(identifier, dict) and identifier.get("value"):
            value = str(identifier["value"])
            for child in self.children.values():
                if child.number == value:
                    return child
            person = self.known["number"].get(value)
            if person is not None:
                return self._known_child(person, element)
        raise _Refused(
            "not-found",
            _("No such patient in this Bundle or among the practice's children."),
            element,
        )

    def _known_child(self, person: Person, element: str) -> Child:
        if not person.practice_patient_number:
            raise _Refused(
                "business-rule",
                _(
                    "This person has no practice patient number; record their "
                    "results on their page or through /api/v1/lab-results/."
                ),
                element,
            )
        if person.pk not in self.known_children:
            self.known_children[person.pk] = Child(
                person.practice_patient_number,
                person.sex,
                person.birth_date,
                pseudonym=person.pseudonym,
            )
        return self.known_children[person.pk]

    def _observation(self, index: int, resource: dict[str, Any]) -> None:
        status = resource.get("status")
        if status not in STORED_STATUSES:
            # A preliminary value is not yet the lab's result; a cancelled or
            # entered-in-error one never was: neither may flag a child.
            raise _Refused(
                "business-rule",
                _(
                    "Observation status %(status)s: only final results are "
                    "stored (final, amended or corrected). A result stored "
                    "earlier and now withdrawn is corrected on the child's page."
                )
                % {"status": status or "-"},
                "status",
            )
        loinc = _code_in(resource.get("code"), codes.LOINC)
        if loinc == codes.GENETIC_VARIANT_ASSESSMENT:
            self.reading.variants.append(self._variant(index, resource))
            return
        analyte = codes.ANALYTE_BY_LOINC.get(loinc)
        if analyte is None:
            raise _Refused(
                "code-invalid",
                _(
                    "Unknown LOINC code %(code)s: the registry takes total, HDL, "
                    "LDL (direct, calculated, method unstated), non-HDL "
                    "cholesterol, triglycerides, Lp(a) and genetic variants."
                )
                % {"code": loinc or "-"},
                "code",
            )
        value, unit = _quantity(resource, analyte)
        child = self._subject(resource, "subject")
        specimen = self._specimen(resource)
        sample_date = (
            _day(resource.get("effectiveDateTime"))
            or _day((resource.get("effectivePeriod") or {}).get("start"))
            or specimen.collected_on
        )
        if sample_date is None:
            raise _Refused(
                "required",
                _("The sample date (effectiveDateTime) is missing."),
                "effectiveDateTime",
            )
        self._add_value(
            index,
            child,
            sample_date=sample_date,
            specimen=specimen,
            analyte=analyte,
            value=value,
            unit=unit,
        )

    def _add_value(
        self,
        index: int,
        child: Child,
        *,
        sample_date: date,
        specimen: Specimen,
        analyte: codes.Analyte,
        value: Decimal,
        unit: str,
    ) -> None:
        key = (id(child), sample_date, specimen.lab_sample_id, specimen.sample_type)
        sample = self.samples.setdefault(key, Sample(child, sample_date, specimen))
        if analyte is codes.NON_HDL_CHOLESTEROL:
            sample.derived.append(index)
            return
        if analyte is codes.LIPOPROTEIN_A:
            if unit != codes.MG_DL:
                raise _Refused(
                    "value",
                    _("Lp(a) is taken in mg/dL, as in lab files."),
                    "valueQuantity.code",
                )
            if sample.lipoprotein_a is not None:
                raise _Refused("duplicate", _("Lp(a) twice for one sample."), "code")
            sample.lipoprotein_a = (index, value)
            return
        if analyte.field in sample.values:
            raise _Refused(
                "duplicate",
                _("This value is sent twice for one sample (entry %(other)d).")
                % {"other": sample.values[analyte.field][0]},
                "code",
            )
        if sample.unit and unit != sample.unit:
            raise _Refused(
                "value",
                _(
                    "The lipid values of one sample must share one unit "
                    "(%(unit)s, as the sample's other values)."
                )
                % {"unit": sample.unit},
                "valueQuantity.code",
            )
        sample.unit = unit
        sample.values[analyte.field] = (index, value)
        if analyte.field == "ldl_cholesterol":
            sample.ldl_method = codes.LDL_METHOD_BY_ANALYTE[analyte]

    def _specimen(self, resource: dict[str, Any]) -> Specimen:
        """Sample type, lab sample id and fasting from the referenced Specimen."""
        reference = resource.get("specimen")
        if not isinstance(reference, dict):
            raise _Refused(
                "required",
                _(
                    "The specimen is missing: reference a Specimen typed venous or "
                    "capillary blood."
                ),
                "specimen",
            )
        found: dict[str, Any] | None = None
        target = reference.get("reference")
        if isinstance(target, str) and target.startswith("#"):
            found = next(
                (
                    c
                    for c in resource.get("contained") or []
                    if isinstance(c, dict) and c.get("id") == target[1:]
                ),
                None,
            )
        elif isinstance(target, str) and target in self.by_url:
            found = self.resources.get(self.by_url[target])
        specimen = Specimen()
        identifier = reference.get("identifier")
        if isinstance(identifier, dict) and identifier.get("value"):
            specimen.lab_sample_id = str(identifier["value"])
        if found is not None and found.get("resourceType") == "Specimen":
            self._read_specimen(found, specimen)
        if not specimen.sample_type:
            raise _Refused(
                "required",
                _(
                    "The sample type is missing: reference a Specimen typed venous "
                    "or capillary blood (SNOMED CT 122555007 or 122554006)."
                ),
                "specimen",
            )
        if len(specimen.lab_sample_id) > 60:
            raise _Refused(
                "value",
                _("The lab sample id is longer than 60 characters."),
                "specimen",
            )
        return specimen

    def _read_specimen(self, found: dict[str, Any], specimen: Specimen) -> None:
        for coding in _codings(found.get("type")):
            sample_type = codes.SAMPLE_TYPE_BY_CODE.get(str(coding.get("code")))
            if sample_type:
                specimen.sample_type = sample_type
                break
        accession = found.get("accessionIdentifier")
        if isinstance(accession, dict) and accession.get("value"):
            specimen.lab_sample_id = str(accession["value"])
        collection = found.get("collection") or {}
        specimen.collected_on = _day(collection.get("collectedDateTime"))
        fasting = _code_in(
            collection.get("fastingStatusCodeableConcept"), codes.V2_0916_FASTING
        )
        specimen.fasting = codes.FASTING_BY_CODE.get(fasting)

    def _variant(self, index: int, resource: dict[str, Any]) -> Variant:
        parts = {
            _code_in(component.get("code"), codes.LOINC): component
            for component in resource.get("component") or []
            if isinstance(component, dict)
        }
        gene = _gene(parts.get(codes.GENE_STUDIED))
        hgvs_c = _coded_text(parts.get(codes.DNA_CHANGE_HGVS))
        if not gene or not hgvs_c:
            raise _Refused(
                "required",
                _(
                    "A variant needs the gene studied (48018-6) and the DNA change "
                    "(48004-6)."
                ),
                "component",
            )
        answer = _code_in(resource.get("valueCodeableConcept"), codes.LOINC)
        finding = (
            GeneticFinding.NON_CARRIER
            if answer == codes.VARIANT_ABSENT
            else GeneticFinding.CARRIER
        )
        significance = _code_in(
            (parts.get(codes.CLINICAL_SIGNIFICANCE) or {}).get("valueCodeableConcept"),
            codes.LOINC,
        )
        acmg = codes.ACMG_BY_LOINC.get(significance, "")
        if finding == GeneticFinding.CARRIER and not acmg:
            raise _Refused(
                "required",
                _("A found variant needs its ACMG class (53037-8)."),
                "component",
            )
        report_date = _day(resource.get("issued")) or _day(
            resource.get("effectiveDateTime")
        )
        if report_date is None:
            raise _Refused(
                "required", _("The report date (issued) is missing."), "issued"
            )
        performers = resource.get("performer") or [{}]
        lab = str(performers[0].get("display") or "")
        if not lab:
            raise _Refused(
                "required",
                _("The reporting lab (performer.display) is missing."),
                "performer",
            )
        return Variant(
            entry=index,
            child=self._subject(resource, "subject"),
            gene=gene,
            hgvs_c=hgvs_c,
            hgvs_p=_coded_text(parts.get(codes.AMINO_ACID_CHANGE_HGVS)),
            transcript=_coded_text(parts.get(codes.TRANSCRIPT_REFERENCE)),
            finding=finding,
            acmg_class=acmg,
            lab=lab,
            report_date=report_date,
        )

    def _finding(self, index: int, resource: dict[str, Any]) -> None:
        found = [
            code
            for condition in resource.get("condition") or []
            if isinstance(condition, dict)
            for code in [_code_in(condition.get("code"), codes.FAMILY_FINDING_SYSTEM)]
            if code in FamilyHistoryCode.values
        ]
        if not found:
            raise _Refused(
                "not-supported",
                _(
                    "Only the registry's family-history findings are taken; "
                    "relatives are registered on the family page."
                ),
                "condition",
            )
        child = self._subject(resource, "patient")
        self.reading.findings += [Finding(index, child, code) for code in found]

    def _check_samples(self) -> None:
        for sample in self.reading.samples:
            values = sample.values
            for entry in sample.derived:
                if not ("total_cholesterol" in values and "hdl_cholesterol" in values):
                    self.reading.refuse(
                        entry,
                        "business-rule",
                        _(
                            "Non-HDL-C is taken only with total and HDL cholesterol "
                            "of the same sample, from which it follows."
                        ),
                        "code",
                    )
                else:
                    self.reading.issues.append(
                        Issue(
                            INFORMATION,
                            "informational",
                            _(
                                "Non-HDL-C follows from total and HDL cholesterol; "
                                "not stored separately."
                            ),
                            entry,
                        )
                    )


def _patient_number(resource: dict[str, Any]) -> str:
    """The practice patient number: the identifier typed MR (medical record
    number), else the registry's system, else the only identifier."""
    identifiers = [i for i in resource.get("identifier") or [] if isinstance(i, dict)]
    for identifier in identifiers:
        if _code_in(identifier.get("type"), codes.IDENTIFIER_TYPE) == "MR" or (
            identifier.get("system") == codes.PATIENT_NUMBER_SYSTEM
        ):
            return str(identifier.get("value") or "")
    if len(identifiers) == 1 and identifiers[0].get("value"):
        return str(identifiers[0]["value"])
    raise _Refused(
        "required",
        _("A new child needs the practice patient number as identifier (type MR)."),
        "identifier",
    )


def _quantity(resource: dict[str, Any], analyte: codes.Analyte) -> tuple[Decimal, str]:
    quantity = resource.get("valueQuantity")
    if not isinstance(quantity, dict) or quantity.get("value") is None:
        raise _Refused(
            "required", _("The value (valueQuantity) is missing."), "valueQuantity"
        )
    unit = quantity.get("code") or ""
    allowed = (
        (codes.MG_DL, codes.NMOL_L)
        if analyte is codes.LIPOPROTEIN_A
        else _CHOLESTEROL_UNITS
    )
    if quantity.get("system") != codes.UCUM or unit not in allowed:
        raise _Refused(
            "value",
            _(
                "Unit %(unit)s refused: send UCUM (http://unitsofmeasure.org) "
                "mg/dL or mmol/L."
            )
            % {"unit": unit or quantity.get("unit") or "-"},
            "valueQuantity.code",
        )
    if quantity.get("comparator"):
        raise _Refused(
            "value",
            _("A value with a comparator (< or >) is not a measurement."),
            "valueQuantity.comparator",
        )
    try:
        value = Decimal(str(quantity["value"]))
    except InvalidOperation:
        raise _Refused(
            "value", _("The value is not a number."), "valueQuantity.value"
        ) from None
    if value < 0:
        raise _Refused("value", _("The value is negative."), "valueQuantity.value")
    return value, unit


def _gene(component: dict[str, Any] | None) -> str:
    if component is None:
        return ""
    for coding in _codings(component.get("valueCodeableConcept")):
        code = str(coding.get("code") or "")
        if code in codes.GENE_BY_HGNC:
            return codes.GENE_BY_HGNC[code]
        if coding.get("display"):
            return str(coding["display"]).upper()
    return _coded_text(component).upper()


def _coded_text(component: dict[str, Any] | None) -> str:
    if component is None:
        return ""
    if component.get("valueString"):
        return str(component["valueString"])
    concept = component.get("valueCodeableConcept") or {}
    for coding in _codings(concept):
        if coding.get("code"):
            return str(coding["code"])
    return str(concept.get("text") or "")
