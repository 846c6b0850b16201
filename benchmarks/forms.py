"""Forms of the benchmark pages: start a recompute, upload reference data."""

from __future__ import annotations

from typing import Any

from django import forms

from entities.models import Entity, Program


class RecomputeForm(forms.Form):
    """Start a new version of an entity's benchmark for a performance year."""

    performance_year = forms.IntegerField(min_value=2012, max_value=2040)
    agreement_start_year = forms.IntegerField(
        required=False,
        min_value=2012,
        max_value=2040,
        help_text="MSSP: empty uses the entity's agreement start.",
    )
    agreement_period = forms.IntegerField(
        required=False, min_value=1, max_value=10, help_text="MSSP: 1 for a first agreement period."
    )
    arrangement = forms.ChoiceField(
        required=False,
        choices=[
            ("", "From the entity's track"),
            ("global", "Global"),
            ("professional", "Professional"),
        ],
        help_text="ACO REACH only.",
    )
    population = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Alignment engine with the current participant list (the rule)"),
            ("cclf8_roster", "CCLF8 roster of each benchmark year (labelled: not the rule)"),
        ],
        label="Benchmark-year populations",
        help_text="The roster is for years whose claims were never loaded.",
    )

    def parameters(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {"performance_year": data["performance_year"]}
        for key in ("agreement_start_year", "agreement_period", "arrangement", "population"):
            if data.get(key):
                out[key] = data[key]
        return out


class RiskRecomputeForm(forms.Form):
    payment_year = forms.IntegerField(min_value=2012, max_value=2040)


class InstitutionalUploadForm(forms.Form):
    """Long-term institutional status for a payment year (CSV mbi,lti_status)."""

    payment_year = forms.IntegerField(min_value=2012, max_value=2040)
    source = forms.CharField(
        max_length=500, help_text="The CMS report, e.g. ALR 2025 Q4 Table 1-1 LTI_STATUS."
    )
    file = forms.FileField(
        help_text="CSV with the columns mbi,lti_status (1/Y institutional, 0/N community)."
    )


class ReferenceUploadForm(forms.Form):
    """A CSV of reference values (name,segment,value,status,note) for a program and year."""

    program = forms.ModelChoiceField(
        queryset=Program.objects.filter(code__in=["mssp", "reach"]).order_by("code")
    )
    year = forms.IntegerField(min_value=2000, max_value=2100)
    entity = forms.ModelChoiceField(
        queryset=Entity.objects.none(),
        required=False,
        empty_label="National (every entity of the program)",
        help_text="Values CMS gives one entity only (regional rates, penetration, prior savings).",
    )
    source = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The CMS document and table.",
    )
    file = forms.FileField(help_text="CSV with the columns name,segment,value,status,note.")

    def __init__(self, *args: Any, entities: Any, allow_national: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["entity"]
        field.queryset = entities  # type: ignore[attr-defined]
        if not allow_national:
            field.required = True
            field.empty_label = None  # type: ignore[attr-defined]
