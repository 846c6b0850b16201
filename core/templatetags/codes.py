"""The template side of `core.codes`: `{% load codes %}` then `{{ code|dx }}`."""

from __future__ import annotations

from django import template

from core import codes

register = template.Library()
register.filter("dx", codes.icd10_display)
register.filter("dx_description", codes.icd10_description)
