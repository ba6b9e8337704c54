"""Who is screened and what was measured: persons, identities, consent, lab results,
family history, genetic results, assessments and import batches."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fh_registry.access import Viewer, identity_scope, practice_scope, uploads_scope
from fh_registry.models import Practice
from screening import rules

PSEUDONYM_ALPHABET = (
    "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud safely
)


# Each random byte gives one letter: its low 5 bits pick from the 32 letters
# (256 is a multiple of 32, so every letter is equally likely).
_LETTER_OF_BYTE = bytes(ord(PSEUDONYM_ALPHABET[byte % 32]) for byte in range(256))


def new_pseudonym() -> str:
    """A random pseudonym carrying no information about the person (DOMAIN §7).

    50 random bits as 10 letters of a 32-letter alphabet (5 bits each), mapped
    by one C call: bulk imports make many thousands.
    """
    return "FH-" + secrets.token_bytes(10).translate(_LETTER_OF_BYTE).decode("ascii")


class Sex(models.TextChoices):
    FEMALE = "F", _("female")
    MALE = "M", _("male")


class ScopedQuerySet(models.QuerySet):
    """Reads of practice data go through `for_user`, which asks fh_registry.access."""

    practice_path = "practice"

    def for_user(self, user: Viewer) -> Self:
        return self.filter(practice_scope(user, self.practice_path))


class PersonRecordQuerySet(ScopedQuerySet):
    """A person's records (results, assessments, ...): scoped by the person's
    practice."""

    practice_path = "person__practice"


class Person(models.Model):
    """A screened child or a relative, known only by a random pseudonym.

    Parent links make the pedigree; siblings and other relatives are derived.
    """

    # Unique by a constraint, not unique=True: that would add a pattern index
    # for LIKE queries, which nothing asks, to every person written.
    pseudonym = models.CharField(max_length=20, default=new_pseudonym)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    birth_date = models.DateField()
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    practice_patient_number = models.CharField(max_length=40, blank=True)
    # Indexed where set (see Meta): most persons are children without links.
    mother = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    father = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # When the family was asked about FH-related findings. Unset and no entries:
    # the family history is not recorded, which is not the same as "none".
    family_history_asked_on = models.DateField(null=True, blank=True)
    # Relatives: a deceased parent still counts in the cascade (an obligate
    # carrier), but is never invited.
    # db_default: the bulk import writes persons by COPY without this column.
    deceased = models.BooleanField(_("deceased"), default=False, db_default=False)
    # An adult's own findings, read by DLCN and Simon Broome (unknown = None).
    premature_chd = models.BooleanField(
        _("premature coronary heart disease"), null=True, blank=True
    )
    premature_cerebral_or_peripheral_vd = models.BooleanField(
        _("premature cerebral or peripheral vascular disease"), null=True, blank=True
    )
    tendon_xanthoma = models.BooleanField(_("tendon xanthoma"), null=True, blank=True)
    corneal_arcus_before_45 = models.BooleanField(
        _("corneal arcus before age 45"), null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    # History is read by `id` only: the other indexes would slow every bulk import.
    history = HistoricalRecords(
        no_db_index=["pseudonym", "practice", "mother", "father"]
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            models.Index(
                fields=["mother"],
                condition=models.Q(mother__isnull=False),
                name="person_mother_idx",
            ),
            models.Index(
                fields=["father"],
                condition=models.Q(father__isnull=False),
                name="person_father_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["pseudonym"], name="person_unique_pseudonym"
            ),
            models.UniqueConstraint(
                fields=["practice", "practice_patient_number"],
                condition=~models.Q(practice_patient_number=""),
                name="person_unique_patient_number_per_practice",
            ),
            models.CheckConstraint(
                condition=models.Q(sex__in=["F", "M"]), name="person_sex_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.pseudonym

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        before_birthday = (day.month, day.day) < (
            self.birth_date.month,
            self.birth_date.day,
        )
        return years - int(before_birthday)


class PersonIdentityQuerySet(models.QuerySet):
    def for_user(self, user: Viewer) -> Self:
        return self.filter(identity_scope(user, "person__practice"))


class PersonIdentity(models.Model):
    """Names and contact details, kept apart from the pseudonymous person.

    Readable by the owning practice's pediatricians and by coordinators; never
    exported.
    """

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, primary_key=True, related_name="identity"
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    street = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)

    objects = PersonIdentityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        indexes = [models.Index(fields=["family_name", "given_name"])]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name}"


class ConsentScope(models.TextChoices):
    SCREENING = "screening", _("Screening and registry")
    GENETIC_TESTING = "genetic_testing", _("Genetic testing")
    CASCADE_CONTACT = "cascade_contact", _("Contact of relatives")
    RESEARCH = "research", _("Research use")


class ConsentQuerySet(PersonRecordQuerySet):
    def in_force(self, *, on: date) -> ConsentQuerySet:
        return self.filter(given_on__lte=on).filter(
            models.Q(withdrawn_on__isnull=True) | models.Q(withdrawn_on__gt=on)
        )


class Consent(models.Model):
    """Written consent (GDPR Art. 9(2)(a), GenDG §8); withdrawal stops processing."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="consents"
    )
    scope = models.CharField(max_length=20, choices=ConsentScope.choices)
    given_on = models.DateField()
    withdrawn_on = models.DateField(null=True, blank=True)
    given_by = models.CharField(
        max_length=100, blank=True, help_text=_("Parent or guardian who signed.")
    )

    objects = ConsentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(withdrawn_on__isnull=True)
                | models.Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.scope} {self.given_on}"


class FamilyHistoryCode(models.TextChoices):
    PARENT_PREMATURE_CHD = "parent_premature_chd", _("Premature CHD in a parent")
    RELATIVE_PREMATURE_CHD = (
        "relative_premature_chd",
        _("Premature CHD in another close relative"),
    )
    PARENT_HIGH_CHOLESTEROL = (
        "parent_high_cholesterol",
        _("High cholesterol in a parent"),
    )
    PARENT_GENETIC_FH = "parent_genetic_fh", _("Parent with genetic FH (P/LP)")
    RELATIVE_TENDON_XANTHOMA = (
        "relative_tendon_xanthoma",
        _("Tendon xanthoma in a 1st/2nd-degree relative"),
    )


class FamilyHistoryEntry(models.Model):
    """One structured item of family history, in the rule engine's codes."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="family_history"
    )
    code = models.CharField(max_length=40, choices=FamilyHistoryCode.choices)
    detail = models.TextField(blank=True)
    recorded_on = models.DateField(default=date.today)

    objects = PersonRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("family history entry")
        verbose_name_plural = _("family history entries")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "code"], name="family_history_unique_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.code}"


class AcmgClass(models.TextChoices):
    PATHOGENIC = "pathogenic", _("pathogenic")
    LIKELY_PATHOGENIC = "likely_pathogenic", _("likely pathogenic")
    VUS = "vus", _("variant of uncertain significance")
    LIKELY_BENIGN = "likely_benign", _("likely benign")
    BENIGN = "benign", _("benign")


class GeneticFinding(models.TextChoices):
    CARRIER = "carrier", _("variant found")
    # A predictive test for the family's known variant that did not find it.
    NON_CARRIER = "non_carrier", _("family variant not found")


class GeneticResultQuerySet(PersonRecordQuerySet):
    def found(self) -> Self:
        """Results that report a variant (not the negative family tests)."""
        return self.filter(finding=GeneticFinding.CARRIER)


class GeneticResult(models.Model):
    """A reported variant, classed per ACMG/AMP; only P/LP is a genetic diagnosis.

    A relative tested for the family's variant without finding it is recorded
    with `finding` = non_carrier, naming the variant looked for and no class.
    """

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="genetic_results"
    )
    gene = models.CharField(max_length=20)
    hgvs_c = models.CharField("HGVS c.", max_length=200)
    hgvs_p = models.CharField("HGVS p.", max_length=200, blank=True)
    transcript = models.CharField(max_length=40, blank=True)
    finding = models.CharField(
        max_length=20, choices=GeneticFinding.choices, default=GeneticFinding.CARRIER
    )
    acmg_class = models.CharField(max_length=20, choices=AcmgClass.choices, blank=True)
    lab = models.CharField(max_length=200)
    report_date = models.DateField()
    retain_until = models.DateField(
        help_text=_("GenDG §12: kept 10 years, then destroyed or restricted.")
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = GeneticResultQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("genetic result")
        verbose_name_plural = _("genetic results")
        ordering = ["-report_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(finding="carrier") & ~models.Q(acmg_class=""))
                | (models.Q(finding="non_carrier") & models.Q(acmg_class="")),
                name="genetic_class_only_for_a_found_variant",
            )
        ]

    def __str__(self) -> str:
        return f"{self.gene} {self.hgvs_c} ({self.acmg_class})"

    @property
    def is_genetic_diagnosis(self) -> bool:
        return self.finding == GeneticFinding.CARRIER and self.acmg_class in (
            AcmgClass.PATHOGENIC,
            AcmgClass.LIKELY_PATHOGENIC,
        )


class SampleType(models.TextChoices):
    CAPILLARY = "capillary", _("capillary")
    VENOUS = "venous", _("venous")


class EntryUnit(models.TextChoices):
    MMOL_L = "mmol/L", "mmol/L"
    MG_DL = "mg/dL", "mg/dL"


class LdlMethod(models.TextChoices):
    DIRECT = "direct", _("direct")
    CALCULATED = "calculated", _("calculated")
    UNKNOWN = "unknown", _("unknown")


class LpaUnit(models.TextChoices):
    # Mass and molar Lp(a) are never interconverted (DOMAIN §4).
    MG_DL = "mg/dL", "mg/dL"
    NMOL_L = "nmol/L", "nmol/L"


class ResultSource(models.TextChoices):
    FORM = "form", _("form")
    API = "api", _("API")
    IMPORT = "import", _("import")


def _entered() -> models.DecimalField:
    return models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)


def _si() -> models.DecimalField:
    return models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)


class LabResult(models.Model):
    """One sample's lipids: stored in mmol/L and exactly as entered (value + unit)."""

    # Indexed by the (person, sample_date) index; a second index only costs writes.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="lab_results", db_index=False
    )
    sample_date = models.DateField()
    sample_type = models.CharField(max_length=10, choices=SampleType.choices)
    fasting = models.BooleanField(null=True, blank=True)
    lab_sample_id = models.CharField(max_length=60, blank=True)
    entered_unit = models.CharField(max_length=6, choices=EntryUnit.choices)
    total_cholesterol_entered = _entered()
    hdl_cholesterol_entered = _entered()
    ldl_cholesterol_entered = _entered()
    triglycerides_entered = _entered()
    non_hdl_cholesterol_entered = _entered()
    ldl_method = models.CharField(
        max_length=10, choices=LdlMethod.choices, default=LdlMethod.DIRECT
    )
    ldl_computed_here = models.BooleanField(
        default=False, help_text=_("LDL-C computed by Friedewald from TC, HDL-C, TG.")
    )
    tc_mmol_l = _si()
    hdl_mmol_l = _si()
    ldl_mmol_l = _si()
    tg_mmol_l = _si()
    non_hdl_mmol_l = _si()
    lipoprotein_a = _entered()
    lipoprotein_a_unit = models.CharField(
        max_length=6, choices=LpaUnit.choices, blank=True
    )
    tsh_mu_l = models.DecimalField(
        "TSH (mU/L)", max_digits=8, decimal_places=3, null=True, blank=True
    )
    secondary_cause = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("A documented secondary cause of high LDL-C (defers the outcome)."),
    )
    source = models.CharField(max_length=10, choices=ResultSource.choices)
    import_batch = models.ForeignKey(
        "ImportBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lab_results",
        db_constraint=True,
    )
    # Never looked up by author; users are deactivated, not deleted.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # NULL, not "": results without a key must not collide in the unique constraint.
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(default=timezone.now)

    objects = PersonRecordQuerySet.as_manager()
    # History is read by id and by person (a child's change history).
    history = HistoricalRecords(no_db_index=["import_batch", "entered_by"])

    class Meta:
        verbose_name = _("lab result")
        verbose_name_plural = _("lab results")
        ordering = ["sample_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "sample_date", "lab_sample_id"],
                condition=~models.Q(lab_sample_id=""),
                name="labresult_unique_sample",
            ),
            # Only results sent with a key (API retries) are in this index.
            models.UniqueConstraint(
                fields=["entered_by", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="labresult_unique_idempotency_key",
            ),
        ]
        indexes = [models.Index(fields=["person", "sample_date"])]

    def __str__(self) -> str:
        return f"{self.person} {self.sample_date}"


class Outcome(models.TextChoices):
    """Assessment outcome codes (DOMAIN §3g), in the order they are checked; the
    one list every reader uses (the rule engine's `rules.Outcome` has the same
    values, tested)."""

    REJECTED = "rejected", _("rejected: implausible values")
    NOT_ELIGIBLE = "not_eligible", _("not eligible: age outside the rule set")
    DEFINITE = "definite", _("definite FH")
    DEFERRED = "deferred", _("deferred: secondary cause")
    NEEDS_DIRECT_LDL = "needs_direct_ldl", _("direct LDL-C needed")
    POSITIVE = "positive", _("positive")
    REPEAT_NEEDED = "repeat_needed", _("repeat needed")
    NEGATIVE = "negative", _("negative")


class Alert(models.TextChoices):
    """Alerts an assessment may carry beside its outcome (DOMAIN §3g)."""

    HOFH_SUSPECTED = "hofh_suspected", _("homozygous FH suspected")
    CALCULATED_LDL = "calculated_ldl", _("LDL-C calculated, not measured")
    FAMILY_HISTORY_UNKNOWN = (
        "family_history_unknown",
        _("family history not recorded"),
    )


def reader_language() -> str:
    """The rule engine's language for the active one ("de" or "en")."""
    return "de" if (get_language() or "").startswith("de") else "en"


#: Outcomes that flag a child as likely FH (the follow-up side hears of these).
# Outcomes that open a care episode (DOMAIN §6); an assessment with the
# hofh_suspected alert calls for follow-up whatever its outcome.
FOLLOW_UP_OUTCOMES = frozenset(
    {Outcome.POSITIVE, Outcome.DEFINITE, Outcome.REPEAT_NEEDED}
)


def calls_for_follow_up(outcome: str, alerts: list[str]) -> bool:
    return outcome in FOLLOW_UP_OUTCOMES or Alert.HOFH_SUSPECTED in alerts


class AssessmentQuerySet(PersonRecordQuerySet):
    def may_call_for_follow_up(self) -> Self:
        """Those `calls_for_follow_up` could accept: a flagged outcome or any
        alert (JSON containment is not portable; the function decides)."""
        return self.filter(
            models.Q(outcome__in=FOLLOW_UP_OUTCOMES) | ~models.Q(alerts=[])
        )

    def newest_sample_first(self) -> Self:
        """By the assessed sample, newest first; for one sample, the newest
        assessment first. The first of a person's is their current assessment:
        a result from an earlier visit entered later does not replace it."""
        return self.order_by(
            "-lab_result__sample_date", "-lab_result_id", "-created_at", "-pk"
        )


class Assessment(models.Model):
    """What a rule set (id + version) concluded from a result; never edited.

    A new rule version writes new assessments, so every old decision stays
    explainable by the inputs and reasons stored with it.
    """

    # Indexed by the (person, ruleset_id, created_at) index.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    lab_result = models.ForeignKey(
        LabResult, on_delete=models.PROTECT, related_name="assessments"
    )
    ruleset_id = models.CharField(max_length=40)
    ruleset_version = models.CharField(max_length=20)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    criterion = models.CharField(max_length=20, blank=True)
    alerts = models.JSONField(default=list, blank=True)
    ldl_mmol_l = _si()
    ldl_source = models.CharField(max_length=20, blank=True)
    score = models.IntegerField(null=True, blank=True)
    # Each reason as a code of the rule engine's catalogue with its parameters,
    # rendered when read, in the reader's language (rules.render_stored).
    reason_codes = models.JSONField(default=list, blank=True)
    inputs = models.JSONField(default=dict, blank=True)
    # Never looked up by author; users are deactivated, not deleted.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Set when an import created the assessment: who imported which file, when.
    import_batch = models.ForeignKey(
        "ImportBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)

    # Append-only, its own record: no history table (PostgreSQL refuses UPDATE
    # and DELETE by a trigger, migration 0009).
    objects = AssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["person", "ruleset_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.person} {self.ruleset_id} {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Assessments are immutable; record a new one instead.")
        super().save(*args, **kwargs)

    @property
    def is_urgent(self) -> bool:
        return Alert.HOFH_SUSPECTED in self.alerts

    @property
    def asks_for_family_history(self) -> bool:
        return Alert.FAMILY_HISTORY_UNKNOWN in self.alerts

    @property
    def criterion_label(self) -> str:
        """The criterion in the reader's language ("" where none applies)."""
        if not self.criterion:
            return ""
        return rules.criterion_name(self.criterion, reader_language())

    @property
    def alert_labels(self) -> list[str]:
        """The alerts in the reader's language."""
        labels = dict(Alert.choices)
        return [str(labels.get(code, code)) for code in self.alerts]

    def reasons(self, lang: str) -> list[str]:
        """The reasons in `lang` ("de" or "en"), rendered from their codes."""
        return rules.render_stored(
            self.reason_codes, "de" if lang.startswith("de") else "en"
        )


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    RUNNING = "running", _("running")
    COMPLETED = "completed", _("completed")
    REFUSED = "refused", _("refused")
    FAILED = "failed", _("failed")


class ImportBatchQuerySet(ScopedQuerySet):
    """Imports of the practices in scope; a lab system sees only its own."""

    def for_user(self, user: Viewer) -> Self:
        return super().for_user(user).filter(uploads_scope(user))


class ImportBatch(models.Model):
    """An uploaded lab file: its hash, status, progress, counts and row errors."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=255)
    file_path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    message = models.TextField(blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(
        default=0, help_text=_("Percent done while the import runs.")
    )
    language = models.CharField(
        max_length=8, blank=True, help_text=_("Language of the row-error reasons.")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ImportBatchQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A file that was (or is being) imported is recognised by its hash; a
            # refused or failed file may be sent again.
            # Per practice: another practice's upload of the same bytes is its own.
            models.UniqueConstraint(
                fields=["practice", "sha256"],
                condition=models.Q(status__in=["pending", "running", "completed"]),
                name="importbatch_unique_live_file_per_practice",
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"


class RowErrorKind(models.TextChoices):
    REJECTED = "rejected", _("rejected")
    WARNING = "warning", _("imported with warning")
    SKIPPED = "skipped", _("skipped")


class ImportRowError(models.Model):
    """A rejected, skipped or flagged row: line, column and reason, for the report."""

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="row_errors"
    )
    line = models.PositiveIntegerField()
    column = models.CharField(max_length=60, blank=True)
    value = models.CharField(max_length=200, blank=True)
    code = models.CharField(max_length=40)
    # The reason in both languages: the report is read in the reader's language.
    reason_en = models.TextField()
    reason_de = models.TextField()
    kind = models.CharField(
        max_length=10, choices=RowErrorKind.choices, default=RowErrorKind.REJECTED
    )

    class Meta:
        verbose_name = _("import row error")
        verbose_name_plural = _("import row errors")
        ordering = ["line", "pk"]

    def __str__(self) -> str:
        return f"line {self.line} {self.column}: {self.reason_en}"

    def reason(self, lang: str) -> str:
        """The reason in `lang` ("de" or "en")."""
        return self.reason_de if lang.startswith("de") else self.reason_en


class ReadKind(models.TextChoices):
    PAGE = "page", _("person's page")
    IDENTITY = "identity", _("name and contact")
    RESULTS = "results", _("results")
    HISTORY = "history", _("change history")
    FOLLOW_UP = "follow_up", _("follow-up")
    FAMILY = "family", _("family and cascade")
    LETTER = "letter", _("letter")
    API = "api", _("API")


class ReadAccess(models.Model):
    """Who read a person's data, what, when and from where. Append-only: it
    is the record, written as the data is shown (never edited)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    kind = models.CharField(max_length=20, choices=ReadKind.choices)
    path = models.CharField(max_length=300)
    address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("read access")
        verbose_name_plural = _("read accesses")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["person", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.kind} {self.person}"
