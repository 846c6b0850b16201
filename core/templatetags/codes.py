"""The template side of `core.codes`: `{% load codes %}` then `{{ code|dx }}` (ICD-10-CM),
`{{ code|hcpcs }}` (HCPCS Level II with CMS's description; CPT® codes without a descriptor),
`{{ ndc|ndc }}` (a Part D drug)."""

from __future__ import annotations

from django import template

from core import codes

register = template.Library()
register.filter("dx", codes.icd10_display)
register.filter("dx_description", codes.icd10_description)
register.filter("hcpcs", codes.hcpcs_display)
register.filter("ndc", codes.ndc_display)
