"""The filters of the enrolled-clinicians page: choices come from the run's own list, so a TIN or
specialty that is not on it is an error the page names, never an unfiltered list."""

from __future__ import annotations

from typing import Any, cast

from django import forms

ACTIVITY_CHOICES = [
    ("", "Any"),
    ("assigning", "Beneficiaries assigned through them"),
    ("leading", "Leading as specialist"),
    ("episodes", "Managing scored episodes"),
    ("none", "No assignment, lead or episode"),
]
ROLE_CHOICES = [("", "Any"), ("participant", "Participant"), ("preferred", "Preferred provider")]


class ClinicianFilterForm(forms.Form):
    q = forms.CharField(label="Name or NPI", required=False, max_length=80)
    tin = forms.ChoiceField(label="Practice", required=False)
    role = forms.ChoiceField(label="On the list as", required=False, choices=ROLE_CHOICES)
    specialty = forms.ChoiceField(label="Specialty", required=False)
    activity = forms.ChoiceField(label="Activity", required=False, choices=ACTIVITY_CHOICES)

    def __init__(self, data: Any, *, rows: list[dict[str, Any]]) -> None:
        super().__init__(data)
        practices = sorted({(r["tin"], r["practice"]) for r in rows}, key=lambda p: (p[1], p[0]))
        cast(forms.ChoiceField, self.fields["tin"]).choices = [("", "Any")] + [
            (tin, f"{name}, TIN {tin}" if name else f"TIN {tin}") for tin, name in practices
        ]
        self.fields["tin"].error_messages["invalid_choice"] = (
            "TIN %(value)s: no practice of that TIN is on the entity's list on this run's date."
        )
        specialties = sorted(
            {(r["specialty"], r["specialty_label"]) for r in rows if r["specialty"]}
        )
        cast(forms.ChoiceField, self.fields["specialty"]).choices = [("", "Any")] + [
            (code, f"{code} {label}".strip()) for code, label in specialties
        ]
        self.fields["specialty"].error_messages["invalid_choice"] = (
            "Specialty %(value)s: no clinician of that CMS specialty code is on the list."
        )
