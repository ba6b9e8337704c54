"""Who works in the registry: users, practices, memberships, lab-system tokens,
and the task outbox."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Role(models.TextChoices):
    PEDIATRICIAN = "pediatrician", _("Pediatrician")
    COORDINATOR = "coordinator", _("Coordinator")
    EPIDEMIOLOGIST = "epidemiologist", _("Epidemiologist")
    ADMINISTRATOR = "administrator", _("Administrator")
    # The user behind one LabSystemToken: no password, never a session.
    LAB_SYSTEM = "lab_system", _("Lab system")


class DisplayUnit(models.TextChoices):
    MMOL_L = "mmol/L", "mmol/L"
    MG_DL = "mg/dL", "mg/dL"


class User(AbstractUser):
    """A registry user; the role decides what they may see (see access.py)."""

    role = models.CharField(max_length=20, choices=Role.choices)
    covers_all_practices = models.BooleanField(
        default=False,
        help_text=_("Coordinators only: work the queue of every practice."),
    )
    preferred_unit = models.CharField(
        max_length=6, choices=DisplayUnit.choices, default=DisplayUnit.MMOL_L
    )

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.username


class Practice(models.Model):
    """A pediatric practice, lab or lipid clinic taking part in screening."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    district = models.CharField(max_length=100, blank=True)
    postcode_prefix = models.CharField(
        max_length=5, blank=True, help_text=_("Leading digits of the postcode area.")
    )
    # The letterhead of the practice's letters to families (cascade invitations).
    letterhead_address = models.TextField(
        blank=True, help_text=_("Postal address as printed on letters, one per line.")
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class Membership(models.Model):
    """A user's place in a practice, with the role they hold there."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        max_length=20,
        choices=[
            (Role.PEDIATRICIAN.value, Role.PEDIATRICIAN.label),
            (Role.COORDINATOR.value, Role.COORDINATOR.label),
            (Role.LAB_SYSTEM.value, Role.LAB_SYSTEM.label),
        ],
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "practice"], name="membership_unique_user_practice"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.practice.code} ({self.role})"


#: Lab-system keys begin with this, so the API tells them from user tokens and a
#: leaked key is recognisable in a log or a repository.
LAB_KEY_PREFIX = "fhlab_"


def lab_key_digest(key: str) -> str:
    """SHA-256 of a lab-system key: the key has 256 random bits, so a plain hash
    is as strong as a slow one and lets the key be found by an index."""
    return hashlib.sha256(key.encode()).hexdigest()


class LabSystemToken(models.Model):
    """A lab system's API key, bound to one practice: it may only submit lab
    results and imports there, and read back its own imports.

    The key is shown once and stored only as its digest. Each token has a user of
    its own (role lab_system, member of the token's practice, no password), which
    the services name as the acting user, so history shows which token wrote.
    """

    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, related_name="lab_tokens"
    )
    name = models.CharField(
        max_length=100, help_text=_("The lab system using this token.")
    )
    user = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="lab_token"
    )
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        verbose_name = _("lab-system token")
        verbose_name_plural = _("lab-system tokens")
        ordering = ["practice__code", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(name=""), name="labsystemtoken_name_given"
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | models.Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="labsystemtoken_revoked_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.practice.code})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class OutboxMessage(models.Model):
    """A task to publish, written in the business transaction (transactional outbox).

    The relay publishes pending rows to Celery after commit and from a beat job, so
    a broker outage never blocks a request or loses work; the task marks its row
    done when its work is recorded, and a sweep publishes again a row that a
    broker or a killed worker lost (fh_registry.outbox).
    """

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # Runs whose work raised; at OUTBOX_MAX_FAILURES the message is given up
    # (not published again) and logged as an error for the operators.
    failures = models.PositiveIntegerField(default=0)
    given_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(published_at__isnull=True),
            ),
            # What the sweep and a starting task look through: the rows not done.
            models.Index(
                fields=["published_at"],
                name="outbox_undone_idx",
                condition=models.Q(done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_name} {self.kwargs}"


SYSTEM_USERNAME = "registry-system"


def get_system_user() -> User:
    """The account that batch jobs act as when no person started them (audit trail)."""
    user, _created = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"role": Role.ADMINISTRATOR, "is_active": False},
    )
    if _created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
