"""The demo cast: practices DEMO-A and DEMO-B and one user per role (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from fh_registry.models import Membership, Practice, Role, User


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    role: Role
    practice_code: str | None = None
    covers_all_practices: bool = False


DEMO_PRACTICES = (
    ("DEMO-A", "Kinderarztpraxis Am Anger (demo)", "München", "80"),
    ("DEMO-B", "Kinder- und Jugendarztpraxis Nord (demo)", "Nürnberg", "90"),
)

DEMO_USERS = (
    DemoUser("ped_a", Role.PEDIATRICIAN, "DEMO-A"),
    DemoUser("ped_b", Role.PEDIATRICIAN, "DEMO-B"),
    DemoUser("coord", Role.COORDINATOR, covers_all_practices=True),
    DemoUser("epi", Role.EPIDEMIOLOGIST),
    DemoUser("admin", Role.ADMINISTRATOR),
)


@transaction.atomic
def ensure_demo_cast(*, password: str) -> dict[str, User]:
    """Create (or repair) the demo practices and users; returns users by name."""
    practices = {}
    for code, name, district, prefix in DEMO_PRACTICES:
        practices[code], _ = Practice.objects.update_or_create(
            code=code,
            defaults={"name": name, "district": district, "postcode_prefix": prefix},
        )
    users = {}
    for demo in DEMO_USERS:
        user = User.objects.filter(username=demo.username).first() or User(
            username=demo.username
        )
        wanted = {
            "role": demo.role.value,
            "covers_all_practices": demo.covers_all_practices,
            "is_staff": demo.role == Role.ADMINISTRATOR,
            "is_superuser": demo.role == Role.ADMINISTRATOR,
            "is_active": True,
        }
        changed = user.pk is None or any(
            getattr(user, field) != value for field, value in wanted.items()
        )
        for field, value in wanted.items():
            setattr(user, field, value)
        if not user.check_password(password):
            user.set_password(password)
            changed = True
        if changed:
            user.save()
        if demo.practice_code:
            Membership.objects.get_or_create(
                user=user, practice=practices[demo.practice_code], role=demo.role
            )
        users[demo.username] = user
    return users
