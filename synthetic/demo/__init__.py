"""Demo data: the two demo entities and a user for every role (`load`, first), then every app's
part: a `load(*, entities, stdout)` function in `synthetic/demo/<app>.py` when the part is made
with the synthetic generators (claims), else in `<app>/demo.py`, in the order of
settings.PROJECT_APPS (`parts`). `manage.py load_demo` runs them. Every part is idempotent: a
second run changes nothing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import Membership, Role, User
from entities.models import Entity, Program

# The last part that writes claims (the benchmarks' synthetic history of earlier years, which
# drops the final-action reads kept before it: claims.selectors.final_action_reads_forget).
CLAIMS_WRITTEN_BY = "benchmarks"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - synthetic demo accounts on a local database
STAFF_EMAIL = "staff@openvbc.demo"


@dataclass(frozen=True)
class DemoEntity:
    key: str
    program: str
    program_name: str
    cms_id: str
    legal_name: str
    email_domain: str
    people: tuple[str, str, str]  # synthetic names of its admin, analyst and coordinator


DEMO_ENTITIES = [
    DemoEntity(
        "mssp",
        "mssp",
        "Medicare Shared Savings Program",
        "A9901",
        "Demo Valley Health ACO",
        "valley.demo",
        ("Avery Park", "Jordan Lee", "Casey Morgan"),
    ),
    DemoEntity(
        "reach",
        "reach",
        "ACO REACH",
        "D9902",
        "Demo Coastal Care DCE",
        "coastal.demo",
        ("Riley Chen", "Sam Ortiz", "Taylor Brooks"),
    ),
]

ROLE_LOGINS = [
    (Role.ENTITY_ADMIN, "admin"),
    (Role.ANALYST, "analyst"),
    (Role.CARE_COORDINATOR, "coordinator"),
]


def _user(email: str, full_name: str, hashed: list[str], **flags: Any) -> User:
    """The demo user, made with the demo password if new. The password is hashed once for all of
    them (`hashed` keeps it): each hash costs a quarter of a second of CPU by design, and the
    demo's six logins share one published password anyway."""
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, **flags}
    )
    if created:
        if not hashed:
            hashed.append(make_password(DEMO_PASSWORD))
        user.password = hashed[0]
        user.save()
    return user


@transaction.atomic
def load(*, entities: dict[str, Entity], stdout: Any) -> None:
    hashed: list[str] = []
    for demo in DEMO_ENTITIES:
        # The registry ships with the migrations; a flushed test database may lack it.
        program, _ = Program.objects.get_or_create(
            code=demo.program, defaults={"name": demo.program_name}
        )
        entity, _ = Entity.objects.get_or_create(
            cms_id=demo.cms_id, defaults={"program": program, "legal_name": demo.legal_name}
        )
        entities[demo.key] = entity
        for (role, login), person in zip(ROLE_LOGINS, demo.people, strict=True):
            user = _user(
                f"{login}@{demo.email_domain}",
                person,
                hashed,
                # Entity admins work in the admin console.
                is_staff=role == Role.ENTITY_ADMIN,
            )
            Membership.objects.get_or_create(user=user, entity=entity, defaults={"role": role})
    # Platform staff hold the keys to every entity's console: no shared password. They set one
    # with `manage.py changepassword` and a second factor at their first sign-in, and see an
    # entity's PHI only through a break-glass grant.
    staff, _ = User.objects.get_or_create(
        email=STAFF_EMAIL,
        defaults={"full_name": "Demo platform staff", "is_staff": True, "is_superuser": True},
    )
    if staff.has_usable_password() and staff.check_password(DEMO_PASSWORD):
        staff.set_unusable_password()  # a database loaded before this rule
        staff.save(update_fields=["password"])
    elif not staff.password:
        staff.set_unusable_password()
        staff.save(update_fields=["password"])


def parts(*, until: str | None = None) -> Iterator[tuple[str, ModuleType]]:
    """(name, module) of each demo part in loading order, the apps' through `until` if given."""
    yield "entities and users", sys.modules[__name__]
    for app in settings.PROJECT_APPS:
        for name in (f"{__name__}.{app}", f"{app}.demo"):
            if find_spec(name) is not None:
                yield app, import_module(name)
                break
        if app == until:
            return
