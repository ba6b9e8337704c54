"""django-filter sets for the screening endpoints."""

from __future__ import annotations

import django_filters

from screening.models import Assessment, GeneticResult, LabResult, Person


def _dates_from(field: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(field_name=field, lookup_expr="gte")


def _dates_to(field: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(field_name=field, lookup_expr="lte")


class PersonFilter(django_filters.FilterSet):
    practice = django_filters.CharFilter(field_name="practice__code")
    birth_date_from = _dates_from("birth_date")
    birth_date_to = _dates_to("birth_date")

    class Meta:
        model = Person
        fields = ["practice", "practice_patient_number", "sex"]


class LabResultFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(field_name="person__pseudonym")
    sample_date_from = _dates_from("sample_date")
    sample_date_to = _dates_to("sample_date")

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
