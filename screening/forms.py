"""Page forms: they check shape only; services decide what is valid clinically."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from fh_registry.access import visible_practices
from fh_registry.models import Practice
from screening.models import (
    AcmgClass,
    EntryUnit,
    FamilyHistoryCode,
    LdlMethod,
    LpaUnit,
    SampleType,
    Sex,
)


class DateInput(forms.DateInput):
    """The browser's date picker; its value is always ISO (2026-12-04), whatever
    the page's language writes dates as."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class IdentityFields(forms.Form):
    """Name and contact of a person (PersonIdentity)."""

    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100)
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)


class ConsentFields(forms.Form):
    """Written screening consent of a parent or guardian."""

    consent_given = forms.BooleanField(
        label=_("Written parental consent to screening and registry was given"),
        required=True,
    )
    consent_given_on = forms.DateField(label=_("Consent signed on"), widget=DateInput)
    consent_given_by = forms.CharField(
        label=_("Signed by (parent or guardian)"), max_length=100, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent_given_on"].initial = timezone.localdate()

    def clean_consent_given_on(self) -> Any:
        value = self.cleaned_data["consent_given_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(
                _("The consent date lies in the future."), code="future"
            )
        return value


class RegisterChildForm(IdentityFields, ConsentFields):
    practice: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Practice.objects.none(), label=_("Practice")
    )
    practice_patient_number = forms.CharField(
        label=_("Practice patient number"), max_length=40
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "–"), *Sex.choices])
    birth_date = forms.DateField(label=_("Date of birth"), widget=DateInput)
    confirm_adult = forms.BooleanField(
        label=_("Register this adult as a screened person, not as a relative"),
        required=False,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        practices = visible_practices(user)
        self.fields["practice"].queryset = practices  # type: ignore[attr-defined]
        if practices.count() == 1:
            self.fields["practice"].initial = practices.first()

    def clean_birth_date(self) -> Any:
        value = self.cleaned_data["birth_date"]
        if value > timezone.localdate():
            raise forms.ValidationError(
                _("The date of birth lies in the future."), code="future"
            )
        return value


class CompleteRecordForm(IdentityFields, ConsentFields):
    """An imported child's name, contact and consent."""


class ParentForm(IdentityFields):
    parent = forms.ChoiceField(
        label=_("Parent"),
        choices=[("", "–"), ("F", _("mother")), ("M", _("father"))],
    )
    birth_date = forms.DateField(label=_("Date of birth"), widget=DateInput)


class FindChildForm(forms.Form):
    q = forms.CharField(
        label=_("Patient number or name"), required=False, max_length=100
    )


class LabValueField(forms.DecimalField):
    """A lab value as the reader's language writes it (5,3 in German, 5.3 in
    English). English pages refuse a decimal comma with a hint rather than
    guessing: "1,200" could be a thousand separator."""

    def to_python(self, value: Any) -> Any:
        text = str(value or "").strip()
        if "," in text and formats.get_format("DECIMAL_SEPARATOR") != ",":
            raise forms.ValidationError(
                _("Use a decimal point, not a comma: %(example)s."),
                code="decimal_comma",
                params={"example": text.replace(",", ".")},
            )
        return super().to_python(value)


def _value_field(label: Any) -> forms.DecimalField:
    return LabValueField(
        label=label, required=False, max_digits=10, decimal_places=4, localize=True
    )


class LabResultForm(forms.Form):
    sample_date = forms.DateField(label=_("Sample date"), widget=DateInput)
    sample_type = forms.ChoiceField(
        label=_("Sample type"), choices=[("", "–"), *SampleType.choices]
    )
    fasting = forms.NullBooleanField(label=_("Fasting"))
    unit = forms.ChoiceField(
        label=_("Unit of the values below"), choices=EntryUnit.choices
    )
    total_cholesterol = _value_field(_("Total cholesterol"))
    hdl_cholesterol = _value_field(_("HDL-C"))
    ldl_cholesterol = _value_field(_("LDL-C"))
    ldl_method = forms.ChoiceField(
        label=_("LDL-C method"),
        choices=LdlMethod.choices,
        initial=LdlMethod.DIRECT,
        help_text=_(
            "Leave LDL-C blank to have it calculated (Friedewald) where valid."
        ),
    )
    triglycerides = _value_field(_("Triglycerides"))
    non_hdl_cholesterol = _value_field(_("Non-HDL-C"))
    lipoprotein_a = _value_field(_("Lp(a)"))
    lipoprotein_a_unit = forms.ChoiceField(
        label=_("Lp(a) unit"), choices=[("", "–"), *LpaUnit.choices], required=False
    )
    tsh_mu_l = _value_field(_("TSH, mU/L"))
    lab_sample_id = forms.CharField(
        label=_("Lab sample id"), max_length=60, required=False
    )
    secondary_cause = forms.CharField(
        label=_("Documented secondary cause"), max_length=200, required=False
    )
    confirm_extreme = forms.BooleanField(
        label=_("I have checked these values: they are extreme but correct"),
        required=False,
    )

    def __init__(self, *args: Any, display_unit: str = "mmol/L", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].initial = display_unit
        self.fields["sample_date"].initial = timezone.localdate()


#: The family history form's choice for "asked, none of these findings".
NO_FAMILY_FINDING = "none"


class FamilyHistoryForm(forms.Form):
    code = forms.ChoiceField(
        label=_("Finding"),
        choices=[
            (NO_FAMILY_FINDING, _("Asked: none of these findings in the family")),
            *FamilyHistoryCode.choices,
        ],
    )
    detail = forms.CharField(
        label=_("Detail"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class GeneticResultForm(forms.Form):
    gene = forms.ChoiceField(
        label=_("Gene"),
        choices=[
            ("LDLR", "LDLR"),
            ("APOB", "APOB"),
            ("PCSK9", "PCSK9"),
            ("APOE", "APOE"),
            ("LDLRAP1", "LDLRAP1"),
        ],
    )
    hgvs_c = forms.CharField(label=_("Variant (HGVS c.)"), max_length=200)
    hgvs_p = forms.CharField(
        label=_("Protein change (HGVS p.)"), max_length=200, required=False
    )
    transcript = forms.CharField(label=_("Transcript"), max_length=40, required=False)
    acmg_class = forms.ChoiceField(label=_("ACMG class"), choices=AcmgClass.choices)
    lab = forms.CharField(label=_("Laboratory"), max_length=200)
    report_date = forms.DateField(label=_("Report date"), widget=DateInput)
