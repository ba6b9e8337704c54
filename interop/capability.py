"""The CapabilityStatement: what the registry's FHIR endpoint supports."""

from __future__ import annotations

from datetime import date

from interop import codes
from interop.resources import Resource, validated

SOFTWARE_VERSION = "1.0"


def capability_statement(*, base: str, today: date) -> Resource:
    """FHIR 4.0.1, JSON; $everything on Patient, transaction and batch Bundles
    of lab results, and the bulk $export."""
    read_types = ["Observation", "RiskAssessment", "Condition", "FamilyMemberHistory"]
    return validated(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": today.isoformat(),
            "kind": "instance",
            "software": {
                "name": "FH screening registry",
                "version": SOFTWARE_VERSION,
            },
            "implementation": {
                "description": "Paediatric familial hypercholesterolaemia "
                "screening registry",
                "url": base,
            },
            "fhirVersion": codes.FHIR_VERSION,
            "format": ["application/fhir+json", "json"],
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        "description": "Token (Authorization: Token <key>) or "
                        "session; a person outside the caller's practices is "
                        "not found (404)."
                    },
                    "resource": [
                        {
                            "type": "Patient",
                            "interaction": [{"code": "create"}],
                            "operation": [
                                {
                                    "name": "everything",
                                    "definition": "http://hl7.org/fhir/"
                                    "OperationDefinition/Patient-everything",
                                }
                            ],
                        },
                        {
                            "type": "Observation",
                            "interaction": [{"code": "create"}],
                            "documentation": "Lipid values (LOINC, UCUM mg/dL or "
                            "mmol/L) and genetic variants (HL7 genomics reporting).",
                        },
                        {
                            "type": "FamilyMemberHistory",
                            "interaction": [{"code": "create"}],
                        },
                        *[{"type": kind} for kind in read_types[1:-1]],
                    ],
                    "interaction": [{"code": "transaction"}, {"code": "batch"}],
                    "operation": [
                        {
                            "name": "export",
                            "definition": "http://hl7.org/fhir/uv/bulkdata/"
                            "OperationDefinition/export",
                        }
                    ],
                }
            ],
        }
    )
