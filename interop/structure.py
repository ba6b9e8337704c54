"""Checking a received resource's structure where the registry reads it.

Building each entry's `fhir.resources` model took the Bundle import most of its
time (about 0.25 ms an Observation; benchmarks/fhir.py). The reader instead
checks, per resource and per complex element it reads:

- its element names, required elements and choice elements (one `value[x]`),
  from the `fhir.resources` R4B model's own field definitions;
- each element it reads, by FHIR datatype: primitives by `fhir.resources`' own
  types (`fhirtypes.DateTimeType`, `CodeType`, …), complex elements the same
  way one level down.

Elements the registry does not read (`meta`, `note`, a Patient's `name`, …)
are not descended into: they are neither stored nor checked. The first
problem is reported, named by its path, as a model would.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from fhir.resources.R4B import fhirtypes, get_fhir_model_class
from fhir.resources.R4B.resource import Resource
from pydantic import TypeAdapter
from pydantic import ValidationError as PrimitiveError

# What the registry reads of each resource and datatype (receiving.py): the
# element and its FHIR type, lower case a primitive, [T] a repeating element,
# `Resource` a contained resource.
READ: dict[str, dict[str, str]] = {
    "Coding": {"system": "uri", "code": "code", "display": "string"},
    "CodeableConcept": {"coding": "[Coding]", "text": "string"},
    "Identifier": {"type": "CodeableConcept", "system": "uri", "value": "string"},
    "Reference": {
        "reference": "string",
        "identifier": "Identifier",
        "display": "string",
    },
    "Quantity": {
        "value": "decimal",
        "comparator": "code",
        "unit": "string",
        "system": "uri",
        "code": "code",
    },
    "Period": {"start": "dateTime"},
    "Patient": {
        "id": "id",
        "identifier": "[Identifier]",
        "gender": "code",
        "birthDate": "date",
    },
    "Observation": {
        "id": "id",
        "status": "code",
        "contained": "[Resource]",
        "code": "CodeableConcept",
        "subject": "Reference",
        "effectiveDateTime": "dateTime",
        "effectivePeriod": "Period",
        "issued": "instant",
        "performer": "[Reference]",
        "valueQuantity": "Quantity",
        "valueCodeableConcept": "CodeableConcept",
        "specimen": "Reference",
        "component": "[ObservationComponent]",
    },
    "ObservationComponent": {
        "code": "CodeableConcept",
        "valueCodeableConcept": "CodeableConcept",
        "valueString": "string",
    },
    "Specimen": {
        "id": "id",
        "accessionIdentifier": "Identifier",
        "type": "CodeableConcept",
        "collection": "SpecimenCollection",
    },
    "SpecimenCollection": {
        "collectedDateTime": "dateTime",
        "fastingStatusCodeableConcept": "CodeableConcept",
    },
    "FamilyMemberHistory": {
        "id": "id",
        "status": "code",
        "patient": "Reference",
        "condition": "[FamilyMemberHistoryCondition]",
    },
    "FamilyMemberHistoryCondition": {"code": "CodeableConcept"},
}

_PRIMITIVES: dict[str, Any] = {
    "code": fhirtypes.CodeType,
    "uri": fhirtypes.UriType,
    "id": fhirtypes.IdType,
    "date": fhirtypes.DateType,
    "dateTime": fhirtypes.DateTimeType,
    "instant": fhirtypes.InstantType,
    "decimal": fhirtypes.DecimalType,
}


class StructureProblem(Exception):  # noqa: N818 - a finding, raised to stop the walk
    """The problem and the path of the element it is in (built while the walk
    unwinds, so that elements without a problem cost no path)."""

    def __init__(self, message: str, *path: str) -> None:
        super().__init__(message)
        self.message = message
        self.path = list(path)

    @property
    def where(self) -> str:
        """The path as FHIRPath writes it: `contained[0].type.coding[0].code`."""
        return "".join(p if p.startswith("[") else f".{p}" for p in self.path)[1:]


def check(resource: dict[str, Any]) -> None:
    """Raise StructureProblem for the first problem of what the registry reads."""
    _check_object(resource, resource["resourceType"])


@dataclass(frozen=True)
class _Elements:
    names: frozenset[str]
    required: tuple[str, ...]
    choices: tuple[tuple[str, frozenset[str]], ...]


@cache
def _elements(kind: str) -> _Elements:
    """Element names, required elements and choice groups of a FHIR type, as
    its fhir.resources model defines them."""
    fields = get_fhir_model_class(kind).model_fields
    names = {"resourceType"}
    required = []
    choices: dict[str, set[str]] = {}
    for name, info in fields.items():
        element = info.alias or name
        names.update((name, element))
        extra = (
            info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        )
        if info.is_required() or extra.get("element_required"):
            required.append(element)
        group = extra.get("one_of_many")
        if isinstance(group, str):
            choices.setdefault(group, set()).add(element)
    return _Elements(
        frozenset(names),
        tuple(required),
        tuple((group, frozenset(members)) for group, members in choices.items()),
    )


@cache
def is_resource_type(kind: str) -> bool:
    try:
        model = get_fhir_model_class(kind)
    except ValueError:
        return False
    return issubclass(model, Resource)


@cache
def _adapter(kind: str) -> TypeAdapter[Any]:
    return TypeAdapter(_PRIMITIVES[kind])


def _validated(kind: str, value: Any) -> str:
    """The problem of a primitive value ("" if none)."""
    try:
        _adapter(kind).validate_python(value)
    except PrimitiveError as error:
        return str(error.errors()[0]["msg"])
    return ""


# A lab message repeats its systems, codes, units and dates in every entry.
# The value's type is part of the key: True == 1 == 1.0.
@lru_cache(maxsize=4096)
def _primitive_problem(kind: str, _type: str, value: str | int | float) -> str:
    return _validated(kind, value)


def _check_object(value: Any, kind: str) -> None:
    if not isinstance(value, dict):
        raise StructureProblem(f"Input should be a {kind} object")
    elements = _elements(kind)
    for key in value:
        if key not in elements.names:
            raise StructureProblem("Extra inputs are not permitted", key)
    for name in elements.required:
        if value.get(name) is None and value.get(f"_{name}") is None:
            raise StructureProblem(f"Value for the field '{name}' is required.", name)
    for group, members in elements.choices:
        if len(members.intersection(value)) > 1:
            raise StructureProblem(
                "Only one of these elements is allowed.", f"{group}[x]"
            )
    for name, element_kind in READ.get(kind, {}).items():
        # null reads as absent, as the models take it (FHIR JSON has no null)
        if value.get(name) is not None:
            try:
                _check_element(value[name], element_kind)
            except StructureProblem as problem:
                problem.path.insert(0, name)
                raise


def _check_element(value: Any, kind: str) -> None:
    if kind.startswith("["):
        if not isinstance(value, list):
            raise StructureProblem("Input should be a valid list")
        for index, item in enumerate(value):
            try:
                _check_element(item, kind[1:-1])
            except StructureProblem as problem:
                problem.path.insert(0, f"[{index}]")
                raise
    elif kind == "string":
        if not isinstance(value, str) or not value:
            raise StructureProblem("Input should be a non-empty string")
    elif kind[0].islower():
        found = (
            _primitive_problem(kind, type(value).__name__, value)
            if isinstance(value, str | int | float)
            else _validated(kind, value)
        )
        if found:
            raise StructureProblem(found)
    elif kind == "Resource":
        contained = value.get("resourceType") if isinstance(value, dict) else None
        if not isinstance(contained, str) or not is_resource_type(contained):
            raise StructureProblem(
                "Input should name a FHIR resource type", "resourceType"
            )
        _check_object(value, contained)
    else:
        _check_object(value, kind)
