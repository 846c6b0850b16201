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


def user_entities(*, user: Any) -> Any:
    from entities.models import Entity

    return Entity.objects.for_user(user).select_related("program").order_by("legal_name")


def break_glass_entity_ids(*, user: Any) -> list[int]:
    """The entities whose PHI the user may see now through a running break-glass grant."""
    from django.utils import timezone

    from accounts.models import BreakGlassGrant

    now = timezone.now()
    return list(
        BreakGlassGrant.objects.filter(
            user_id=user.pk, ended_at__isnull=True, starts_at__lte=now, expires_at__gt=now
        ).values_list("entity_id", flat=True)
    )
