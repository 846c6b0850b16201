"""Admin forms. Participation forms run the same checks as the API and the CSV import
(entities.services), so the console speaks the same plain words."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms import ChoiceField
from django.forms.models import BaseInlineFormSet, construct_instance

from entities.models import (
    Entity,
    ParticipantChangeRequest,
    Participation,
    PerformanceYear,
    SpecialtyCode,
)
from entities.services.change_requests import change_request_check
from entities.services.participations import build_candidate
from entities.services.rules import Candidate, check_candidates


def specialty_choices() -> list[tuple[str, str]]:
    return [("", "---------")] + [
        (s.code, f"{s.code} {s.description}") for s in SpecialtyCode.objects.all()
    ]


def _add_errors(form: forms.BaseForm, errors: list[tuple[str, str]]) -> None:
    for field_name, message in errors:
        form.add_error(field_name if field_name in form.fields else None, message)


class ParticipationForm(forms.ModelForm):
    """One participation: TIN, NPI and CCN identify it (fixed once saved); role and period change."""

    tin = forms.CharField(
        label="TIN", max_length=11, help_text="9 digits; a dash (12-3456789) is fine."
    )
    npi = forms.CharField(label="NPI", max_length=10, required=False)
    specialty_code: forms.Field = forms.ChoiceField(
        label="Specialty",
        required=False,
        help_text="CMS specialty code of the NPI (new providers).",
    )

    check_rules = True  # The inline formset checks all its rows together instead.

    class Meta:
        model = Participation
        fields = ["entity", "tin", "npi", "ccn", "specialty_code", "role", "start_date", "end_date"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ChoiceField, self.fields["specialty_code"]).choices = specialty_choices()
        self.candidate: Candidate | None = None
        # What the rules warn of (shown when the row is saved; errors stop the save instead).
        self.rule_warnings: list[str] = []
        instance = self.instance
        if instance.pk:
            self.fields["tin"].initial = instance.organization.tin
            self.fields["npi"].initial = (
                instance.provider.npi if instance.provider is not None else ""
            )
            self.fields["specialty_code"].initial = (
                instance.provider.specialty_id if instance.provider is not None else ""
            )
            for name in ("tin", "npi", "ccn", "specialty_code", "entity"):
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = ""

    def _entity(self) -> Entity | None:
        if "entity" in self.fields:
            return self.cleaned_data.get("entity")
        return self.instance.entity if self.instance.entity_id else None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        candidate, errors = build_candidate(
            tin=data.get("tin") or "",
            npi=data.get("npi") or "",
            ccn=data.get("ccn") or "",
            specialty_code="" if self.instance.pk else (data.get("specialty_code") or ""),
            role=data.get("role") or "",
            start_date=data.get("start_date"),
            end_date=data.get("end_date"),
        )
        _add_errors(self, errors)
        self.candidate = candidate
        entity = self._entity()
        if candidate is not None and entity is not None and self.check_rules and not self.errors:
            exclude = frozenset({self.instance.pk}) if self.instance.pk else frozenset()
            [result] = check_candidates(
                entity=entity, candidates=[candidate], allow_update=False, exclude_ids=exclude
            )
            _add_errors(self, result.errors)
            self.rule_warnings = result.warnings
        return data

    def _post_clean(self) -> None:
        # The participation table is written by the services (entities.services), not by this
        # form: skip the model's own validate_unique/full_clean on a half-built instance.
        pass


class ParticipationInlineForm(ParticipationForm):
    check_rules = False
    specialty_code = forms.CharField(label="Specialty", max_length=2, required=False)

    class Meta(ParticipationForm.Meta):
        fields = ["tin", "npi", "ccn", "specialty_code", "role", "start_date", "end_date"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        forms.ModelForm.__init__(self, *args, **kwargs)
        self.candidate = None
        self.rule_warnings = []
        instance = self.instance
        for name, size in (("tin", 10), ("npi", 11), ("ccn", 7), ("specialty_code", 3)):
            self.fields[name].widget.attrs["size"] = size
        self.fields["tin"].help_text = ""
        if instance.pk:
            self.fields["tin"].initial = instance.organization.tin
            self.fields["npi"].initial = (
                instance.provider.npi if instance.provider is not None else ""
            )
            self.fields["specialty_code"].initial = (
                instance.provider.specialty_id if instance.provider is not None else ""
            )
            for name in ("tin", "npi", "ccn", "specialty_code"):
                self.fields[name].disabled = True


class ParticipationInlineFormSet(BaseInlineFormSet):
    """Checks every new or changed row of the inline together, so two rows of one submission
    cannot overlap each other either."""

    def clean(self) -> None:
        super().clean()
        entity = self.instance
        checked = [
            (f, f.candidate)
            for f in cast(list[ParticipationInlineForm], self.forms)
            if f.has_changed() and not f.errors and f.candidate is not None
        ]
        forms_to_check = [f for f, _ in checked]
        if not forms_to_check or not entity.pk:
            return
        exclude = frozenset(f.instance.pk for f in forms_to_check if f.instance.pk)
        results = check_candidates(
            entity=entity,
            candidates=[candidate for _, candidate in checked],
            allow_update=False,
            exclude_ids=exclude,
        )
        for form, result in zip(forms_to_check, results, strict=True):
            _add_errors(form, result.errors)
            form.rule_warnings = result.warnings


class ChangeRequestForm(forms.ModelForm):
    specialty_code = forms.ChoiceField(label="Specialty", required=False)

    class Meta:
        model = ParticipantChangeRequest
        fields = [
            "entity",
            "action",
            "performance_year",
            "tin",
            "npi",
            "ccn",
            "specialty_code",
            "role",
            "effective_date",
            "reason",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "specialty_code" in self.fields:
            cast(ChoiceField, self.fields["specialty_code"]).choices = specialty_choices()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        try:
            change_request_check(construct_instance(self, self.instance))
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(field_name if field_name in self.fields else None, message)
        return data


class ParticipantImportForm(forms.Form):
    performance_year = forms.TypedChoiceField(coerce=int, label="Performance year")
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: tin,npi,ccn,specialty_code,role,effective_start,effective_end.",
    )

    def __init__(self, *args: Any, entity: Entity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ChoiceField, self.fields["performance_year"]).choices = year_choices(entity)
        self.fields["performance_year"].initial = default_year(entity)


class ParticipantExportForm(forms.Form):
    year = forms.TypedChoiceField(coerce=int, label="Performance year")

    def __init__(self, *args: Any, entity: Entity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(ChoiceField, self.fields["year"]).choices = year_choices(entity)
        self.fields["year"].initial = default_year(entity)


def year_choices(entity: Entity) -> list[tuple[int, str]]:
    return [
        (py.year, f"PY{py.year} ({py.start_date:%b %-d, %Y} - {py.end_date:%b %-d, %Y})")
        for py in PerformanceYear.objects.filter(program_id=entity.program_id).order_by("-year")
    ]


def default_year(entity: Entity) -> int | None:
    today = dt.date.today()  # noqa: DTZ011 - the calendar year the admin works in
    years = list(
        PerformanceYear.objects.filter(program_id=entity.program_id).values_list("year", flat=True)
    )
    if not years:
        return None
    if today.year in years:
        return today.year
    past = [y for y in years if y < today.year]
    return max(past) if past else min(years)
