from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accounts.models import STAFF_ROLES, EntityRoleSettings, Membership, Role
from accounts.roles import role_may


def user_has_role(*, user: Any, entity_id: int, roles: Iterable[str] = STAFF_ROLES) -> bool:
    """True when the user holds one of `roles` in the entity (superusers hold every role; by
    default the roles of the entity's staff, not a preferred provider's)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, entity_id=entity_id, role__in=list(roles)).exists()


def administered_entity_ids(*, user: Any) -> Any:
    """Ids of the entities the user is an entity admin of, as a subquery (superusers are not
    special here: callers that let them see everything say so themselves)."""
    return Membership.objects.filter(user_id=user.pk, role=Role.ENTITY_ADMIN).values("entity_id")


def entity_role_settings(*, entity_id: int) -> EntityRoleSettings:
    """The entity's settings; the defaults (unsaved) when its admins never changed them."""
    found = EntityRoleSettings.objects.filter(entity_id=entity_id).first()
    return found or EntityRoleSettings(entity_id=entity_id)


def entity_ids_permitted(*, user: Any, key: str) -> list[int] | None:
    """The entities in which the user holds permission `key` (accounts/roles.py), by their role
    and the entity's settings; None when the user is not limited by role (platform
    superusers, whose rows are scoped by tenancy and row security alone)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:
        return None
    scoped = getattr(user, "tenant_entity_ids", None)
    if scoped is not None:  # a partner system: its registration decides, not a role
        return list(scoped)
    # Asked several times per page: kept on the user object, which lives for one request.
    cache = user.__dict__.setdefault("_openvbc_role_grants", {})
    if "memberships" not in cache:
        memberships = list(
            Membership.objects.filter(user_id=user.pk).values_list("entity_id", "role")
        )
        cache["memberships"] = memberships
        cache["settings"] = EntityRoleSettings.objects.in_bulk([pk for pk, _ in memberships])
    return [
        entity_id
        for entity_id, role in cache["memberships"]
        if role_may(role, key, cache["settings"].get(entity_id))
    ]


def user_may(*, user: Any, entity_id: int, key: str) -> bool:
    permitted = entity_ids_permitted(user=user, key=key)
    return permitted is None or entity_id in permitted
