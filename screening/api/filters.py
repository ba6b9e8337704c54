"""django-filter sets for the screening endpoints."""

from __future__ import annotations

import django_filters

from screening.models import Assessment, GeneticResult, LabResult, Person


class PersonFilter(django_filters.FilterSet):
    practice = django_filters.CharFilter(field_name="practice__code")
    birth_date_from = django_filters.DateFilter(
        field_name="birth_date", lookup_expr="gte"
    )
    birth_date_to = django_filters.DateFilter(
        field_name="birth_date", lookup_expr="lte"
    )

    class Meta:
        model = Person
        fields = ["practice", "practice_patient_number", "sex"]


class LabResultFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(field_name="person__pseudonym")
    sample_date_from = django_filters.DateFilter(
        field_name="sample_date", lookup_expr="gte"
    )
    sample_date_to = django_filters.DateFilter(
        field_name="sample_date", lookup_expr="lte"
    )

    class Meta:
        model = LabResult
        fields = ["person", "source", "sample_type", "lab_sample_id"]


class AssessmentFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(field_name="person__pseudonym")

    class Meta:
        model = Assessment
        fields = ["person", "outcome", "ruleset_id", "lab_result"]


class GeneticResultFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(field_name="person__pseudonym")

    class Meta:
        model = GeneticResult
        fields = ["person", "gene", "acmg_class"]
