from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accounts.models import Membership, Role


def user_has_role(*, user: Any, entity_id: int, roles: Iterable[str] = tuple(Role.values)) -> bool:
    """True when the user holds one of `roles` in the entity (superusers hold every role)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, entity_id=entity_id, role__in=list(roles)).exists()


def administered_entity_ids(*, user: Any) -> Any:
    """Ids of the entities the user is an entity admin of, as a subquery (superusers are not
    special here: callers that let them see everything say so themselves)."""
    return Membership.objects.filter(user_id=user.pk, role=Role.ENTITY_ADMIN).values("entity_id")
