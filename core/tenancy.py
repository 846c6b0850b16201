"""Tenancy: every tenant-owned model is read through `Model.objects.for_user(user)`.

A model declares where its entity is with `tenant_path` (a lookup path to `entities.Entity`; the
empty string for the Entity model itself). A user sees rows of the entities they hold a membership
in; superusers see everything. An out-of-scope row is therefore simply absent: views answer 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def entity_ids_for_user(user: AbstractBaseUser | AnonymousUser) -> Any:
    """The ids of the entities the user holds a membership in, as a subquery.

    A principal that is not a person (a partner system's API client) names its one entity in
    `tenant_entity_ids` instead of holding memberships.
    """
    from accounts.models import Membership

    scoped = getattr(user, "tenant_entity_ids", None)
    if scoped is not None:
        return scoped
    if user.pk is None:  # an anonymous user: no memberships
        return Membership.objects.none().values("entity_id")
    return Membership.objects.filter(user_id=user.pk).values("entity_id")


class TenantQuerySet(models.QuerySet):
    def for_user(self, user: AbstractBaseUser | AnonymousUser) -> Self:
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if getattr(user, "is_superuser", False):
            return self.all()
        path = getattr(self.model, "tenant_path", "entity")
        lookup = f"{path}__in" if path else "pk__in"
        return self.filter(**{lookup: entity_ids_for_user(user)})

    def for_entity(self, entity: Any) -> Self:
        path = getattr(self.model, "tenant_path", "entity")
        return self.filter(**{path or "pk": entity})


TenantManager = models.Manager.from_queryset(TenantQuerySet)
