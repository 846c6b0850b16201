from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from entities.selectors import user_entities


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The entities the signed-in user belongs to, for the header of every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_entities": list(user_entities(user=user))}
