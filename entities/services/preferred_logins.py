"""Preferred providers' logins (ACO REACH): an entity admin enrolls a person for one TIN on the
entity's preferred provider list; the login opens that TIN's shared patients only
(specialists/preferred.py). Listed here, with the participant list, because the TIN must be on
it."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Role, User
from accounts.roles import SHARED_PATIENTS, role_may
from core.api import ApplicationError
from entities.models import Participation

logger = logging.getLogger(__name__)


def preferred_tin_listed(*, entity: Any, tin: str, day: Any) -> bool:
    """The TIN is on the entity's preferred provider list on `day` or from a later date."""
    return (
        Participation.objects.filter(entity=entity, organization__tin=tin, role="preferred")
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .exists()
    )


def preferred_provider_enroll_check(*, entity: Any, email: str, tin: str) -> tuple[str, str]:
    """The email and TIN cleaned, or an ApplicationError naming what is wrong (no write)."""
    email = (email or "").strip().lower()
    tin = (tin or "").strip()
    if entity.program.code != "reach":
        raise ApplicationError(
            f"Entity {entity.cms_id}: preferred providers belong to ACO REACH entities.",
            {"entity": entity.cms_id},
        )
    if not (len(tin) == 9 and tin.isdigit()):
        raise ApplicationError("TIN: nine digits.", {"tin": tin})
    if not preferred_tin_listed(entity=entity, tin=tin, day=timezone.localdate()):
        raise ApplicationError(
            f"TIN {tin} is not on the preferred provider list of {entity.cms_id} today or "
            "later: add it to the participant list as a preferred provider first.",
            {"tin": tin},
        )
    if "@" not in email:
        raise ApplicationError("Email: an email address.", {"email": email})
    user = User.objects.filter(email=email).first()
    if user is not None and (user.is_staff or user.is_superuser):
        raise ApplicationError(
            f"{email} is platform staff, not a preferred provider.", {"email": email}
        )
    held = Membership.objects.filter(user=user, entity=entity).first() if user else None
    if held is not None:
        raise ApplicationError(
            f"{email} already holds the role {held.get_role_display()} in {entity.cms_id}.",
            {"email": email},
        )
    return email, tin


def preferred_provider_enroll(
    *, entity: Any, email: str, full_name: str, tin: str, acting_user: Any
) -> Membership:
    """Give a person a preferred provider's login for one TIN of the entity (ACO REACH). A new
    person gets an account without a password: they set one with "Forgot your password?" and
    a second factor at their first sign-in."""
    email, tin = preferred_provider_enroll_check(entity=entity, email=email, tin=tin)
    try:
        with transaction.atomic():
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=None, full_name=full_name)
            membership = Membership.objects.create(
                user=user, entity=entity, role=Role.PREFERRED_PROVIDER, tin=tin
            )
    except IntegrityError:  # enrolled meanwhile by another request
        raise ApplicationError(
            f"{email} already holds a role in {entity.cms_id}.", {"email": email}
        ) from None
    logger.warning(
        "preferred provider enrolled: user %s, entity %s, TIN %s, by user %s",
        user.pk, entity.pk, tin, getattr(acting_user, "pk", None),
    )  # fmt: skip
    return membership


def preferred_provider_membership(*, user: Any, entity_id: int, day: Any) -> Membership | None:
    """The user's preferred-provider membership of the entity, when the role grants it the
    shared patients (accounts/roles.py) and its TIN is on the entity's preferred provider list
    on `day`; else None. Platform staff are not preferred providers: no exception for them."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "tenant_entity_ids", None):
        return None
    membership = (
        Membership.objects.filter(user_id=user.pk, entity_id=entity_id)
        .select_related("entity")
        .first()
    )
    if membership is None or not role_may(membership.role, SHARED_PATIENTS, None):
        return None
    listed = (
        Participation.objects.filter(
            entity_id=entity_id, organization__tin=membership.tin, role="preferred"
        )
        .active_on(day)
        .exists()
    )
    return membership if listed else None
