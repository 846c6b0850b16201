from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter


class InviteOnlyAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators for the people of their entity; no public sign-up."""

    def is_open_for_signup(self, request: Any) -> bool:
        return False
