"""The template side of `core.risk_codes`: `{% load risk_codes %}` then
`{{ score.model_family|risk_model }}`, `{{ score.segment|risk_segment }}`."""

from __future__ import annotations

from django import template

from core import risk_codes

register = template.Library()
register.filter("risk_model", risk_codes.risk_model)
register.filter("risk_segment", risk_codes.risk_segment)
