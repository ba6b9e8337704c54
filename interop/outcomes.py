"""OperationOutcome: what the FHIR endpoints answer about problems, each issue
naming the Bundle entry it concerns in `expression`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ERROR, WARNING, INFORMATION = "error", "warning", "information"

SCHEMA = {
    "type": "object",
    "description": "FHIR OperationOutcome: the problems, one issue each.",
    "properties": {
        "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
        "issue": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "severity": {"type": "string"},
                    "code": {"type": "string"},
                    "diagnostics": {"type": "string"},
                    "details": {"type": "object"},
                    "expression": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["severity", "code"],
            },
        },
    },
    "required": ["resourceType", "issue"],
}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem; `entry` is the Bundle entry's index (None: the whole request)."""

    severity: str
    code: str  # FHIR issue-type: invalid, required, value, not-supported, ...
    diagnostics: str
    entry: int | None = None
    path: str = ""  # inside the entry's resource, e.g. "valueQuantity.code"
    registry_code: str = ""  # the registry's own code (as the lab-file report)

    @property
    def expression(self) -> list[str]:
        if self.entry is None:
            return [self.path] if self.path else []
        where = f"Bundle.entry[{self.entry}]"
        return [f"{where}.resource.{self.path}" if self.path else where]


def operation_outcome(issues: Iterable[Issue]) -> dict[str, Any]:
    listed = []
    for issue in issues:
        item: dict[str, Any] = {
            "severity": issue.severity,
            "code": issue.code,
            "diagnostics": issue.diagnostics,
        }
        if issue.registry_code:
            item["details"] = {
                "coding": [
                    {"system": "urn:fh-registry:issue", "code": issue.registry_code}
                ]
            }
        if issue.expression:
            item["expression"] = issue.expression
        listed.append(item)
    if not listed:
        listed.append(
            {"severity": INFORMATION, "code": "informational", "diagnostics": "OK"}
        )
    return {"resourceType": "OperationOutcome", "issue": listed}


def is_error(issue: Issue) -> bool:
    return issue.severity in (ERROR, "fatal")
