"""Signals the care app sends, for the apps above it (a claims refresh closes their loops)."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent after `care_refresh` committed, with `entity` and `as_of`.
care_refreshed = Signal()
