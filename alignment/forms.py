"""Forms of the alignment pages."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.forms import ModelChoiceField

from alignment.models import ListKind
from entities.models import Entity


class RunStartForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=Entity.objects.none(), empty_label=None)
    performance_year = forms.IntegerField(min_value=2024, max_value=2027)
    list_kind = forms.ChoiceField(choices=ListKind.choices, initial=ListKind.FINAL)
    as_of = forms.DateField(
        label="Run date (as of)",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Quarterly lists use the 12 months to the last complete quarter before it; the participant list is taken as of it.",
    )

    def __init__(
        self, *args: Any, entities: Any, today: date, data_date: date | None = None, **kwargs: Any
    ) -> None:
        """`data_date`: the date the first entity's claims reach, the run date and performance
        year filled in (the clock's date only before any claims are loaded)."""
        super().__init__(*args, **kwargs)
        cast(ModelChoiceField, self.fields["entity"]).queryset = entities
        self.fields["as_of"].initial = data_date or today
        self.fields["performance_year"].initial = (data_date or today).year
        if data_date is not None:
            self.fields["as_of"].help_text = (
                f"Filled in with the date the claims reach, {data_date:%Y-%m-%d}. "
                + str(self.fields["as_of"].help_text)
            )


class VoluntaryImportForm(forms.Form):
    entity = forms.ModelChoiceField(queryset=Entity.objects.none(), empty_label=None)
    file = forms.FileField(
        label="CSV file",
        help_text="Columns mbi, npi, signature_date (YYYY-MM-DD), and optionally source (medicare_gov or attestation) and tin.",
    )

    def __init__(self, *args: Any, entities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ModelChoiceField, self.fields["entity"]).queryset = entities
