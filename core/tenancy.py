"""Tenancy: every tenant-owned model is read through `Model.objects.for_user(user)`.

A model declares where its entity is with `tenant_path` (a lookup path to `entities.Entity`; the
empty string for the Entity model itself). A user sees rows of the entities they hold a membership
in; superusers see everything except PHI (`core.phi_tables.holds_phi`), which platform staff see only
for the entities of their running break-glass grants (`accounts.models.BreakGlassGrant`). An
out-of-scope row is therefore simply absent: views answer 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models
from django.utils import timezone

from core.phi_tables import holds_phi

#: Roles (accounts.Role values) whose membership is tied to one TIN and opens no entity row here.
TIN_SCOPED_ROLES = ("preferred_provider",)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def entity_ids_for_user(user: AbstractBaseUser | AnonymousUser) -> Any:
    """The ids of the entities the user holds a membership in, as a subquery.

    A person's memberships are the `memberships` relation of the user model (accounts.Membership):
    tenancy reads them through the user it is given, so that it needs no import from the apps
    above it. A principal that is not a person (a partner system's API client) names its one
    entity in `tenant_entity_ids` instead of holding memberships.
    """
    scoped = getattr(user, "tenant_entity_ids", None)
    if scoped is not None:
        return scoped
    memberships = getattr(user, "memberships", None)
    if memberships is None:  # an anonymous user holds none
        return []
    # A preferred provider's membership opens its TIN's shared patients only, through the
    # pages that check it (specialists/preferred.py), never the entity's rows.
    members = memberships.exclude(role__in=TIN_SCOPED_ROLES).values("entity_id")
    if not (getattr(user, "is_staff", False) or getattr(user, "is_superuser", False)):
        return members
    # Platform staff: also the entities of their running break-glass grants
    # (accounts.BreakGlassGrant, read through the user's relation like the memberships).
    now = timezone.now()
    granted = set(
        user.break_glass_grants.filter(
            ended_at__isnull=True, starts_at__lte=now, expires_at__gt=now
        ).values_list("entity_id", flat=True)
    )
    if not granted:
        return members
    return sorted({row["entity_id"] for row in members} | granted)


def is_client_principal(user: Any) -> bool:
    """True for a principal that is not a person (a partner system's API client): it names its
    entity in `tenant_entity_ids` and holds no memberships."""
    return getattr(user, "tenant_entity_ids", None) is not None


class TenantQuerySet(models.QuerySet):
    def for_user(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if getattr(user, "is_superuser", False) and not holds_phi(self.model):
            return self.all()
        path = getattr(self.model, "tenant_path", "entity")
        lookup = f"{path}__in" if path else "pk__in"
        return self.filter(**{lookup: entity_ids_for_user(user)})

    def for_entity(self, entity: Any) -> Self:
        path = getattr(self.model, "tenant_path", "entity")
        return self.filter(**{path or "pk": entity})


TenantManager = models.Manager.from_queryset(TenantQuerySet)
