"""Request types of the views, for the type checker."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (settings.MIDDLEWARE), which sets
    `request.htmx`; views that read it annotate their request with this type."""

    htmx: HtmxDetails
