"""Forms of the coordinator pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.conf import settings
from django.forms import ChoiceField

from care.engine.value_sets import GAP_KEYS, gap_label
from care.models import ContactSource, ItemStatus, OutreachMethod, OutreachOutcome
from care.selectors import sort_names

# The quality measures' gaps (written by the quality app, keyed `measure_<code>`): each is an
# open numerator event of the measure, named by it.
MEASURE_GAP_CHOICES = (
    ("measure_tfu", "TFU: follow-up after an acute exacerbation due"),
    ("measure_acr", "ACR: 30-day readmission window open"),
    ("measure_479", "Quality ID 479 (HWR): 30-day readmission window open"),
    ("measure_001", "Quality ID 001: HbA1c result of 9% or less due"),
    ("measure_134", "Quality ID 134: depression screening due"),
    ("measure_236", "Quality ID 236: blood pressure below 140/90 due"),
    ("measure_112", "Quality ID 112: screening mammography due"),
    ("measure_113", "Quality ID 113: colorectal cancer screening due"),
)

SORT_CHOICES = [
    ("name", "Name (A-Z)"),
    ("-name", "Name (Z-A)"),
    ("dob", "Date of birth (oldest first)"),
    ("-dob", "Date of birth (youngest first)"),
    ("-risk", "Risk score (highest first)"),
    ("risk", "Risk score (lowest first)"),
    ("-gaps", "Open care gaps (most first)"),
    ("gaps", "Open care gaps (fewest first)"),
    ("-cost", "Cost this year (highest first)"),
    ("cost", "Cost this year (lowest first)"),
    ("-discharge", "Last inpatient discharge (latest first)"),
    ("discharge", "Last inpatient discharge (earliest first)"),
    ("pc_visit", "Days since primary care visit (most first)"),
    ("-pc_visit", "Days since primary care visit (fewest first)"),
    ("-alignment_risk", "Alignment at risk first"),
    ("alignment_risk", "Alignment at risk last"),
]


class RosterForm(forms.Form):
    """Search and filters. Sent by POST so that names and dates of birth stay out of URLs."""

    last_name = forms.CharField(required=False, max_length=40, label="Last name starts with")
    first_name = forms.CharField(required=False, max_length=30, label="First name starts with")
    birth_date = forms.DateField(
        required=False, label="Date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )
    recent_inpatient = forms.BooleanField(required=False, label="Inpatient stay, last 90 days")
    recent_ed = forms.BooleanField(required=False, label="ED visit, last 90 days")
    open_gaps = forms.BooleanField(required=False, label="Any open care gap")
    hcc_recapture = forms.BooleanField(
        required=False, label="HCC recapture gap or open recapture task"
    )
    aligned = forms.BooleanField(required=False, label="On the roster of record")
    newly_aligned = forms.BooleanField(required=False, label="Newly aligned (latest run)")
    alignment_at_risk = forms.BooleanField(required=False, label="At risk of being dropped")
    attributed_tin = forms.RegexField(
        required=False, regex=r"^\d{9}$", max_length=9, label="Attributed practice (TIN)",
        error_messages={"invalid": "A TIN is 9 digits."},
    )  # fmt: skip
    attributed_npi = forms.RegexField(
        required=False, regex=r"^\d{10}$", max_length=10, label="Attributed provider (NPI)",
        error_messages={"invalid": "An NPI is 10 digits."},
    )  # fmt: skip
    risk_tier = forms.ChoiceField(
        required=False,
        label="Risk tier",
        choices=[("", "Any")]
        + [(name, name.capitalize()) for name, _ in settings.CARE_RISK_TIERS]
        + [("low", "Low")],
    )
    gap = forms.ChoiceField(
        required=False,
        label="Care gap",
        choices=[("", "Any")]
        + [(key, gap_label(key)) for key in GAP_KEYS]
        + list(MEASURE_GAP_CHOICES),
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, label="Sort by")
    after = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # A page asked for by number (the pager's "go to page"); next and previous use `after`.
    page = forms.IntegerField(required=False, min_value=1, label="Page")
    # The "go to page" box: sent with every button of the form, read only with "Go".
    goto = forms.IntegerField(required=False, min_value=1, label="Go to page")
    go = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, measure_gaps: Sequence[str] | None = None, **kwargs: Any):
        """`measure_gaps`: the quality measures' gap keys the entity has, which the care gap
        list offers (another program's measures would find nobody); None offers them all. The
        value asked for (a saved view's) stays offered."""
        super().__init__(*args, **kwargs)
        if measure_gaps is not None:
            asked = self.data.get("gap", "") if self.is_bound else ""
            offered = set(measure_gaps) | {asked}
            cast(ChoiceField, self.fields["gap"]).choices = (
                [("", "Any")]
                + [(key, gap_label(key)) for key in GAP_KEYS]
                + [(key, label) for key, label in MEASURE_GAP_CHOICES if key in offered]
            )

    def clean_sort(self) -> str:
        value: str = self.cleaned_data.get("sort") or "name"
        return value if value in sort_names() else "name"

    def described(self, parameters: dict[str, Any]) -> list[str]:
        """An export's stored filters and sort (`job_parameters`) in the form's words:
        ["ED visit, last 90 days", "Care gap: Annual wellness visit", "Sort by: Name (A-Z)"]."""
        out: list[str] = []
        for name, field in self.fields.items():
            value = parameters.get(name)
            if value in (None, "", False) or name in ("requested_by", "after", "page", "goto"):
                continue
            if isinstance(field, forms.BooleanField):
                out.append(str(field.label))
            elif isinstance(field, forms.ChoiceField):
                choices: list[tuple[Any, Any]] = list(field.choices)  # type: ignore[arg-type]
                label = dict(choices).get(value, value)
                out.append(f"{field.label}: {label}")
            else:
                out.append(f"{field.label}: {value}")
        return out

    def job_parameters(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}
        data.pop("after", None)
        for name in ("page", "goto", "go"):
            data.pop(name, None)
        if "birth_date" in data:
            data["birth_date"] = data["birth_date"].isoformat()
        return data


class ItemCreateForm(forms.Form):
    title = forms.CharField(max_length=200, label="Task")
    due_date = forms.DateField(
        required=False, label="Due", widget=forms.DateInput(attrs={"type": "date"})
    )
    assigned_to = forms.ChoiceField(required=False, label="Assign to")
    detail = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Notes"
    )

    def __init__(self, *args: Any, members: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(ChoiceField, self.fields["assigned_to"]).choices = [("", "Nobody yet")] + (
            members or []
        )


class ItemUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=ItemStatus.choices, label="Status")
    dismissed_reason = forms.CharField(
        required=False, max_length=300, label="Reason (if dismissed)"
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note")


class OutreachForm(forms.Form):
    """One outreach attempt: when, how and what came of it."""

    attempted_at = forms.DateTimeField(
        required=False,
        help_text="Blank for now.",
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    method = forms.ChoiceField(choices=OutreachMethod.choices, label="How")
    outcome = forms.ChoiceField(choices=OutreachOutcome.choices, label="Outcome")
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note", max_length=2000
    )
    next_action_on = forms.DateField(
        required=False, label="Next action on", widget=forms.DateInput(attrs={"type": "date"})
    )


class BulkAssignForm(forms.Form):
    """Assign the ticked items of a worklist page to one member (or to nobody)."""

    items = forms.TypedMultipleChoiceField(coerce=int, label="Tasks")
    assigned_to = forms.ChoiceField(required=False, label="Assign to")

    def __init__(
        self,
        *args: Any,
        members: list[tuple[str, str]] | None = None,
        item_ids: list[int] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        cast(ChoiceField, self.fields["assigned_to"]).choices = [("", "Nobody")] + (members or [])
        cast(ChoiceField, self.fields["items"]).choices = [(i, str(i)) for i in item_ids or []]


class RefreshForm(forms.Form):
    """The care refresh's date: blank for the claims' own date."""

    as_of = forms.DateField(
        required=False, label="As of", widget=forms.DateInput(attrs={"type": "date"})
    )


class BeneficiarySearchForm(forms.Form):
    """The header's search: an MBI (or its last characters), a name, a date of birth. Posted,
    never put in a URL."""

    q = forms.CharField(
        required=False,
        max_length=80,
        label="MBI or name",
        widget=forms.TextInput(
            attrs={"placeholder": "MBI, last characters, or name", "autocomplete": "off"}
        ),
    )
    dob = forms.DateField(
        required=False, label="Date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )


class ContactForm(forms.Form):
    """The care team's record of how to reach the person, and where it comes from."""

    phone = forms.CharField(required=False, max_length=30, label="Phone")
    address = forms.CharField(
        required=False,
        max_length=400,
        label="Address (blank: the CCLF8 address stands)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    preferred_language = forms.CharField(required=False, max_length=40, label="Preferred language")
    caregiver_name = forms.CharField(required=False, max_length=100, label="Caregiver")
    caregiver_phone = forms.CharField(required=False, max_length=30, label="Caregiver's phone")
    source = forms.ChoiceField(choices=ContactSource.choices, label="Source")


class ReassignForm(forms.Form):
    """Which open tasks to move (one member's, or nobody's; of one kind; due in a range) and to
    whom (another member of the entity). The choices are the entity's members only."""

    from_member = forms.ChoiceField(label="Tasks of")
    kind = forms.ChoiceField(required=False, label="Kind")
    due_from = forms.DateField(
        required=False, label="Due from", widget=forms.DateInput(attrs={"type": "date"})
    )
    due_to = forms.DateField(
        required=False, label="Due to", widget=forms.DateInput(attrs={"type": "date"})
    )
    to_member = forms.ChoiceField(required=False, label="Reassign to")

    def __init__(
        self,
        *args: Any,
        members: list[tuple[str, str]],
        kinds: Any,
        former: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ):
        """`former`: people no longer members who still hold open tasks (to move them off)."""
        super().__init__(*args, **kwargs)
        cast(ChoiceField, self.fields["from_member"]).choices = (
            [("nobody", "Nobody (not taken)")] + members + list(former)
        )
        cast(ChoiceField, self.fields["kind"]).choices = [("", "Any kind")] + list(kinds)
        cast(ChoiceField, self.fields["to_member"]).choices = [("", "Choose a member")] + members
