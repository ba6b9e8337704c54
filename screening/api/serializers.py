"""API shapes: input serializers check shape only; services decide validity."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from screening.models import (
    AcmgClass,
    Assessment,
    EntryUnit,
    GeneticResult,
    LabResult,
    LdlMethod,
    LpaUnit,
    Person,
    PersonIdentity,
    SampleType,
    Sex,
)


def _value() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=10, decimal_places=4, required=False, allow_null=True
    )


class IdentityOutput(serializers.ModelSerializer):
    class Meta:
        model = PersonIdentity
        fields = [
            "given_name",
            "family_name",
            "street",
            "postcode",
            "city",
            "phone",
            "email",
        ]


class PersonOutput(serializers.ModelSerializer):
    practice = serializers.CharField(source="practice.code")
    mother = serializers.CharField(
        source="mother.pseudonym",
        default=None,
        allow_null=True,
        help_text="Pseudonym, or null.",
    )
    father = serializers.CharField(
        source="father.pseudonym",
        default=None,
        allow_null=True,
        help_text="Pseudonym, or null.",
    )
    identity = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "pseudonym",
            "sex",
            "birth_date",
            "practice",
            "practice_patient_number",
            "mother",
            "father",
            "deceased",
            "identity",
        ]

    def get_identity(self, person: Person) -> dict[str, Any] | None:
        if not self.context.get("show_identity"):
            return None
        identity = getattr(person, "identity", None)
        return IdentityOutput(identity).data if identity else None


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Register a child",
            value={
                "practice": "DEMO-A",
                "practice_patient_number": "A-2041",
                "sex": "F",
                "birth_date": "2017-05-14",
                "given_name": "Lena",
                "family_name": "Huber",
                "consent_given_on": "2026-11-02",
                "consent_given_by": "Maria Huber",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Register a child's mother",
            value={
                "parent_of": "FH-7KQ2M9XW4T",
                "sex": "F",
                "birth_date": "1986-02-03",
                "given_name": "Maria",
                "family_name": "Huber",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Register a sibling",
            value={
                "mother": "FH-R3D8N2PQ6V",
                "father": "FH-H6WZ4C8JLM",
                "sex": "M",
                "birth_date": "2014-09-21",
                "given_name": "Jonas",
                "family_name": "Huber",
            },
            request_only=True,
        ),
    ]
)
class PersonInput(serializers.Serializer):
    """A screened child (practice, patient number and consent required, as
    before), or a relative linked into a pedigree: `mother` and/or `father`
    (registered as their child), or `parent_of` (registered as that person's
    mother or father, by `sex`). A relative belongs to the linked person's
    practice; their consent is optional."""

    practice = serializers.CharField(required=False)
    practice_patient_number = serializers.CharField(
        max_length=40, required=False, default=""
    )
    sex = serializers.ChoiceField(choices=Sex.choices)
    birth_date = serializers.DateField()
    given_name = serializers.CharField(max_length=100)
    family_name = serializers.CharField(max_length=100)
    street = serializers.CharField(max_length=200, required=False, default="")
    postcode = serializers.CharField(max_length=10, required=False, default="")
    city = serializers.CharField(max_length=100, required=False, default="")
    phone = serializers.CharField(max_length=40, required=False, default="")
    email = serializers.EmailField(required=False, default="")
    consent_given_on = serializers.DateField(required=False, allow_null=True)
    consent_given_by = serializers.CharField(max_length=100, required=False, default="")
    mother = serializers.CharField(
        required=False, help_text="A relative: pseudonym of their registered mother."
    )
    father = serializers.CharField(
        required=False, help_text="A relative: pseudonym of their registered father."
    )
    parent_of = serializers.CharField(
        required=False,
        help_text="A relative: pseudonym of the person whose mother (sex F) or "
        "father (sex M) they are.",
    )
    deceased = serializers.BooleanField(
        required=False, default=False, help_text="A relative who has died."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Shape only: which fields a child or a relative needs."""
        relative = any(attrs.get(key) for key in ("mother", "father", "parent_of"))
        errors: dict[str, list[ErrorDetail]] = {}
        if relative:
            if attrs.get("parent_of") and (attrs.get("mother") or attrs.get("father")):
                errors["parent_of"] = [
                    ErrorDetail(
                        "Give either parent_of or mother/father, not both.",
                        code="relation",
                    )
                ]
            if attrs.get("practice_patient_number"):
                errors["practice_patient_number"] = [
                    ErrorDetail(
                        "A relative is registered without a patient number.",
                        code="relative",
                    )
                ]
        else:
            required = ErrorDetail("This field is required.", code="required")
            for key in ("practice", "practice_patient_number", "consent_given_on"):
                if not attrs.get(key):
                    errors[key] = [required]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class AssessmentOutput(serializers.ModelSerializer):
    person = serializers.CharField(source="person.pseudonym")
    reasons = serializers.SerializerMethodField()
    reasons_en = serializers.SerializerMethodField()
    reasons_de = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "person",
            "lab_result",
            "ruleset_id",
            "ruleset_version",
            "outcome",
            "criterion",
            "alerts",
            "ldl_mmol_l",
            "ldl_source",
            "score",
            "reasons",
            "reasons_en",
            "reasons_de",
            "reason_codes",
            "created_at",
        ]

    def get_reasons(self, assessment: Assessment) -> list[str]:
        """The reasons in the request's language."""
        request = self.context.get("request")
        lang = getattr(request, "LANGUAGE_CODE", "en") if request else "en"
        return assessment.reasons(lang)

    def get_reasons_en(self, assessment: Assessment) -> list[str]:
        return assessment.reasons("en")

    def get_reasons_de(self, assessment: Assessment) -> list[str]:
        return assessment.reasons("de")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Capillary screening result in mmol/L",
            value={
                "person": "FH-ABCDEFGH23",
                "sample_date": "2026-11-20",
                "sample_type": "capillary",
                "fasting": False,
                "unit": "mmol/L",
                "total_cholesterol": "7.10",
                "hdl_cholesterol": "1.30",
                "ldl_cholesterol": "5.30",
                "ldl_method": "direct",
                "triglycerides": "1.10",
                "lab_sample_id": "L-2026-000123",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Friedewald computed by the registry (LDL-C left blank), mg/dL",
            value={
                "person": "FH-ABCDEFGH23",
                "sample_date": "2026-11-20",
                "sample_type": "venous",
                "fasting": True,
                "unit": "mg/dL",
                "total_cholesterol": "260",
                "hdl_cholesterol": "50",
                "triglycerides": "120",
            },
            request_only=True,
        ),
    ]
)
class LabResultInput(serializers.Serializer):
    person = serializers.CharField(help_text="The child's pseudonym.")
    sample_date = serializers.DateField()
    sample_type = serializers.ChoiceField(choices=SampleType.choices)
    fasting = serializers.BooleanField(required=False, allow_null=True, default=None)
    unit = serializers.ChoiceField(choices=EntryUnit.choices)
    total_cholesterol = _value()
    hdl_cholesterol = _value()
    ldl_cholesterol = _value()
    ldl_method = serializers.ChoiceField(
        choices=LdlMethod.choices, required=False, default=LdlMethod.DIRECT
    )
    triglycerides = _value()
    non_hdl_cholesterol = _value()
    lipoprotein_a = _value()
    lipoprotein_a_unit = serializers.ChoiceField(
        choices=LpaUnit.choices, required=False, default=""
    )
    tsh_mu_l = _value()
    lab_sample_id = serializers.CharField(max_length=60, required=False, default="")
    secondary_cause = serializers.CharField(max_length=200, required=False, default="")
    confirm_extreme_values = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Confirms extreme-but-possible values (e.g. LDL-C > 300 mg/dL).",
    )


class LabResultOutput(serializers.ModelSerializer):
    person = serializers.CharField(source="person.pseudonym")
    assessment = serializers.SerializerMethodField()

    class Meta:
        model = LabResult
        fields = [
            "id",
            "person",
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
            "ldl_computed_here",
            "tc_mmol_l",
            "hdl_mmol_l",
            "ldl_mmol_l",
            "tg_mmol_l",
            "non_hdl_mmol_l",
            "lipoprotein_a",
            "lipoprotein_a_unit",
            "tsh_mu_l",
            "secondary_cause",
            "source",
            "created_at",
            "assessment",
        ]

    def get_assessment(self, result: LabResult) -> dict[str, Any] | None:
        """The assessment made when the result was recorded (by the rule set then
        active); later reassessments are listed under /assessments/."""
        if "assessment" in self.context:
            recorded = self.context["assessment"]
            return AssessmentOutput(recorded, context=self.context).data
        assessments = list(result.assessments.all())  # prefetched in lists
        if not assessments:
            return None
        first = min(assessments, key=lambda a: a.pk)
        return AssessmentOutput(first, context=self.context).data


class GeneticResultInput(serializers.Serializer):
    person = serializers.CharField(help_text="The person's pseudonym.")
    gene = serializers.CharField(max_length=20)
    hgvs_c = serializers.CharField(max_length=200)
    hgvs_p = serializers.CharField(max_length=200, required=False, default="")
    transcript = serializers.CharField(max_length=40, required=False, default="")
    acmg_class = serializers.ChoiceField(choices=AcmgClass.choices)
    lab = serializers.CharField(max_length=200)
    report_date = serializers.DateField()


class GeneticResultOutput(serializers.ModelSerializer):
    person = serializers.CharField(source="person.pseudonym")

    class Meta:
        model = GeneticResult
        fields = [
            "id",
            "person",
            "gene",
            "hgvs_c",
            "hgvs_p",
            "transcript",
            "acmg_class",
            "is_genetic_diagnosis",
            "lab",
            "report_date",
            "retain_until",
            "created_at",
        ]
