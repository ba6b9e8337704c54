"""Writes to the registry's own set-up: lab-system tokens issued, revoked, used."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from fh_registry.access import is_administrator
from fh_registry.auditing import audited_save
from fh_registry.models import (
    LAB_KEY_PREFIX,
    LabSystemToken,
    Membership,
    Practice,
    Role,
    User,
    lab_key_digest,
)

#: last_used_at is written at most this often: not an UPDATE per API call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class IssuedLabToken:
    token: LabSystemToken
    key: str  # shown once to whoever issued it; only its digest is stored


def _require_administrator(acting_user: User) -> None:
    if not is_administrator(acting_user):
        raise ValidationError(
            _("Only administrators issue and revoke lab-system tokens."),
            code="not_administrator",
        )


def _username(practice: Practice, name: str) -> str:
    """Readable in every history row the token's writes leave, and unique."""
    parts = ["lab", practice.code, slugify(name)[:40], secrets.token_hex(3)]
    return "-".join(part for part in parts if part)


@transaction.atomic
def issue_lab_token(
    *, acting_user: User, practice: Practice, name: str
) -> IssuedLabToken:
    """A new key for a lab system of `practice`, with its own user: role
    lab_system, member of `practice` alone, no password (it never signs in)."""
    _require_administrator(acting_user)
    name = name.strip()
    user = User(
        username=_username(practice, name),
        role=Role.LAB_SYSTEM,
        first_name=name[:150],
        is_staff=False,
        is_superuser=False,
    )
    user.set_unusable_password()
    token = LabSystemToken(
        practice=practice, name=name, created_by=acting_user, key_digest=""
    )
    token.full_clean(
        exclude=["user", "key_digest", "practice", "created_by"],
        validate_constraints=False,
    )
    audited_save(user, acting_user=acting_user)
    audited_save(
        Membership(user=user, practice=practice, role=Role.LAB_SYSTEM),
        acting_user=acting_user,
    )
    key = LAB_KEY_PREFIX + secrets.token_urlsafe(32)
    token.user = user
    token.key_digest = lab_key_digest(key)
    token.save()
    return IssuedLabToken(token=token, key=key)


@transaction.atomic
def revoke_lab_token(*, acting_user: User, token: LabSystemToken) -> LabSystemToken:
    """The key stops working at once (401) and its user is deactivated; the
    token and its user stay, so history keeps naming who wrote what."""
    _require_administrator(acting_user)
    token = (
        LabSystemToken.objects.select_for_update()
        .select_related("user", "practice")
        .get(pk=token.pk)
    )
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = acting_user
    token.save(update_fields=["revoked_at", "revoked_by"])
    token.user.is_active = False
    audited_save(token.user, acting_user=acting_user)
    return token


def record_lab_token_use(*, token: LabSystemToken, at: datetime) -> None:
    """Note when the key was last used (to the minute): the administrator sees a
    token nobody uses any more and can revoke it."""
    if token.last_used_at is None or at - token.last_used_at >= LAST_USED_RESOLUTION:
        LabSystemToken.objects.filter(pk=token.pk).update(last_used_at=at)
        token.last_used_at = at
