"""Forms of the settlement pages. Field names are the batch calculator's columns, so a form's
figures settle exactly as a CSV row would (settlement.engine.batch)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any, TypedDict

from django import forms

from settlement.engine.batch import parse_participants
from settlement.engine.columns import REACH_OPTIONAL
from settlement.engine.distribution import AllocationBasis, AllocationMethod, ParticipantFigures
from settlement.engine.errors import SettlementInputError
from settlement.engine.parameters import MSSPTrack, ReachArrangement

YEARS = [(year, f"PY{year}") for year in range(2026, 2020, -1)]
MSR_CHOICES = [("variable", "Variable (size-based)")] + [
    (v, f"Fixed {v}%") for v in ("0", "0.5", "1.0", "1.5", "2.0")
]


class _Money(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: _Money = {"max_digits": 16, "decimal_places": 2}


class FiguresForm(forms.Form):
    """Common to both programs: `as_row()` gives the batch calculator's row."""

    def as_row(self) -> dict[str, str]:
        row = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, bool):
                row[name] = "true" if value else "false"
            elif value is None:
                row[name] = ""
            else:
                row[name] = str(value)
        return row

    def add_engine_error(self, field: str, message: str) -> None:
        self.add_error(field if field in self.fields else None, message)


class MSSPFiguresForm(FiguresForm):
    performance_year = forms.TypedChoiceField(choices=YEARS, coerce=int, initial=2025)
    track = forms.ChoiceField(
        choices=[(t.value, t.value.replace("_", " ")) for t in MSSPTrack], initial="BASIC_E"
    )
    assigned_beneficiaries = forms.IntegerField(
        label="Assigned beneficiaries (head count)",
        min_value=1,
        help_text="The number of assigned beneficiaries in CMS's report: it sets the MSR band "
        "(42 CFR 425.604(b), 425.605(b)); not the person-years",
    )
    total_benchmark = forms.DecimalField(
        label="Updated benchmark (total $)", min_value=Decimal("0.01"), **MONEY
    )
    total_expenditure = forms.DecimalField(label="Expenditures (total $)", min_value=0, **MONEY)
    msr_mlr = forms.ChoiceField(label="MSR/MLR", choices=MSR_CHOICES, initial="2.0")
    msr_pct = forms.DecimalField(
        label="Entity-specific MSR (%)",
        required=False,
        max_digits=7,
        decimal_places=4,
        help_text="Only when CMS gave this ACO its own MSR: overrides the table",
    )
    quality_score = forms.DecimalField(
        required=False, min_value=0, max_value=100, max_digits=6, decimal_places=2
    )
    met_qps = forms.BooleanField(
        label="Quality performance standard met", required=False, initial=True
    )
    met_alt_qps = forms.BooleanField(label="Alternative quality standard met", required=False)
    met_reporting = forms.BooleanField(
        label="Quality reporting requirement met", required=False, initial=True
    )
    participant_revenue = forms.DecimalField(
        label="ACO participant FFS revenue ($)", required=False, min_value=0, **MONEY
    )
    low_revenue = forms.BooleanField(label="Low-revenue ACO", required=False)
    euc_loss_reduction = forms.DecimalField(
        label="EUC loss reduction ($)",
        required=False,
        min_value=0,
        **MONEY,
        help_text="Extreme and uncontrollable circumstances: CMS's reduction of the shared losses",
    )


class ReachFiguresForm(FiguresForm):
    performance_year = forms.TypedChoiceField(choices=YEARS, coerce=int, initial=2025)
    arrangement = forms.ChoiceField(choices=[(a.value, a.value.title()) for a in ReachArrangement])
    benchmark = forms.DecimalField(
        label="Benchmark before discount and withhold ($)", min_value=Decimal("0.01"), **MONEY
    )
    total_cost_of_care = forms.DecimalField(label="Total cost of care ($)", min_value=0, **MONEY)
    quality_withhold_earned_pct = forms.DecimalField(
        label="Quality withhold earned back (%)",
        min_value=0,
        max_value=100,
        max_digits=7,
        decimal_places=4,
        initial=100,
    )
    aligned_member_months = forms.IntegerField(required=False, min_value=0)
    stop_loss_charge = forms.DecimalField(required=False, min_value=0, **MONEY)
    stop_loss_payout = forms.DecimalField(required=False, min_value=0, **MONEY)
    pcc_base_paid = forms.DecimalField(label="Base PCC paid", required=False, min_value=0, **MONEY)
    pcc_enhanced_paid = forms.DecimalField(
        label="Enhanced PCC paid", required=False, min_value=0, **MONEY
    )
    tcc_paid = forms.DecimalField(label="TCC paid", required=False, min_value=0, **MONEY)
    apo_paid = forms.DecimalField(label="APO advances paid", required=False, min_value=0, **MONEY)
    apo_claims_reduced = forms.DecimalField(
        label="Claims reduced for the APO", required=False, min_value=0, **MONEY
    )


def figures_form_class(program: str) -> type[FiguresForm]:
    return MSSPFiguresForm if program == "mssp" else ReachFiguresForm


class BatchUploadForm(forms.Form):
    program = forms.ChoiceField(choices=[("mssp", "MSSP"), ("reach", "ACO REACH")])
    file = forms.FileField(
        label="CSV file", help_text="One entity-year per row, with the columns listed above."
    )


def weights_initial(description: str) -> dict[str, Decimal]:
    """A stored version's distribution method ("50% beneficiaries + 50% quality", as
    AllocationMethod.describe writes it) as the weight fields' initial percents, so that a new
    version keeps the method unless someone changes it. Empty when there is none."""
    import re

    found: dict[str, Decimal] = {}
    for number, basis in re.findall(r"([\d.]+)%\s+([a-z ]+?)(?:\s*\+|$)", description or ""):
        key = f"weight_{basis.strip().replace(' ', '_')}"
        if key in WEIGHT_FIELDS:
            found[key] = Decimal(number)
    if not found:
        return {}
    return {name: found.get(name, Decimal(0)) for name in WEIGHT_FIELDS}


WEIGHT_FIELDS = ("weight_beneficiaries", "weight_savings_contribution", "weight_quality")


def _method(form: forms.Form, data: dict[str, Any]) -> AllocationMethod | None:
    """The distribution method of the weight fields, or a form error."""
    weights = [
        (AllocationBasis.BENEFICIARIES, data.get("weight_beneficiaries") or Decimal(0)),
        (AllocationBasis.SAVINGS_CONTRIBUTION, data.get("weight_savings_contribution") or Decimal(0)),
        (AllocationBasis.QUALITY, data.get("weight_quality") or Decimal(0)),
    ]  # fmt: skip
    if not any(w for _, w in weights):
        return None  # none given: the service's default (by attributed beneficiaries)
    try:
        return AllocationMethod(tuple((b, w / 100) for b, w in weights if w))
    except SettlementInputError as exc:
        form.add_error(None, f"Distribution method: {exc.message}")
        return None


class DistributionForm(forms.Form):
    """Participant TINs and the method that shares the settlement among them."""

    participants = forms.FileField(
        label="Participant TINs (CSV)",
        required=False,
        help_text=(
            "Columns: tin, name, attributed_beneficiaries, and optionally benchmark, expenditure, "
            "quality_score. Leave empty to keep the TINs of the latest version."
        ),
    )
    weight_beneficiaries = forms.DecimalField(
        label="Attributed beneficiaries (%)", initial=100, min_value=0, max_value=100
    )
    weight_savings_contribution = forms.DecimalField(
        label="Savings contribution (%)", initial=0, min_value=0, max_value=100
    )
    weight_quality = forms.DecimalField(label="Quality (%)", initial=0, min_value=0, max_value=100)
    note = forms.CharField(label="Why this version", max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        weights = [
            (AllocationBasis.BENEFICIARIES, data.get("weight_beneficiaries") or Decimal(0)),
            (
                AllocationBasis.SAVINGS_CONTRIBUTION,
                data.get("weight_savings_contribution") or Decimal(0),
            ),
            (AllocationBasis.QUALITY, data.get("weight_quality") or Decimal(0)),
        ]
        try:
            data["method"] = AllocationMethod(tuple((b, w / 100) for b, w in weights if w))
        except SettlementInputError as exc:
            raise forms.ValidationError(f"Distribution method: {exc.message}") from exc
        data["participant_rows"] = []
        upload = data.get("participants")
        if upload:
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError("The participant file is not UTF-8 text.") from exc
            participants, errors = parse_participants(io.StringIO(text))
            if errors:
                for error in errors[:20]:
                    self.add_error("participants", str(error))
            data["participant_rows"] = participants
        return data

    @staticmethod
    def participants_as_json(
        participants: list[ParticipantFigures],
    ) -> list[dict[str, str | int | None]]:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return [
            {
                "tin": p.tin,
                "name": p.name,
                "attributed_beneficiaries": p.attributed_beneficiaries,
                "benchmark": text(p.benchmark),
                "expenditure": text(p.expenditure),
                "quality_score": text(p.quality_score),
            }
            for p in participants
        ]


_PROJECTION_FIELDS = ("through_month", "completion_factor", "seed")


class _KindAndProjectionFields(forms.Form):
    """Final settlement or projection, and the projection's assumptions: shared by the MSSP
    and ACO REACH platform forms (the projection path is the same for both programs)."""

    kind = forms.ChoiceField(
        choices=[("final", "Final settlement"), ("projection", "Projection (year to date)")],
        initial="final",
        required=False,  # blank: a final settlement
    )
    through_month = forms.IntegerField(
        label="Claims through month", min_value=1, max_value=12, required=False,
        help_text="Projection only: the last complete month of claims (preset from the year's "
        "latest claims delivery)",
    )  # fmt: skip
    completion_factor = forms.DecimalField(
        label="Share of claims paid to date", min_value=Decimal("0.01"), max_value=1,
        max_digits=5, decimal_places=4, required=False,
        help_text="Projection only: the share of the months' incurred claims already paid "
        "(0.95 = 95%; the inverse of the completion factor); blank: from the completion "
        "factors of the year's benchmark reference data",
    )  # fmt: skip
    seed = forms.IntegerField(
        label="Bootstrap seed", initial=1, min_value=0, required=False,
        help_text="Projection only: the random seed of the bootstrap interval; the same seed "
        "on the same claims gives the same interval (preset from the last projection)",
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["kind"] = data.get("kind") or "final"
        if data["kind"] == "projection" and data.get("through_month") in (None, ""):
            self.add_error("through_month", "Needed for a projection.")
        return data

    def projection_parameters(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data["kind"] != "projection":
            return {}
        return {
            "through_month": data["through_month"],
            "completion_factor": f"{data['completion_factor']:f}"
            if data.get("completion_factor") is not None
            else "",
            "seed": data.get("seed") or 1,
        }


class _WeightsAndNote(forms.Form):
    """The distribution method's weights and the version's note of a run form, shown after the
    form's own fields; `self.method` is the cleaned method (None: the service's default)."""

    weight_beneficiaries = forms.DecimalField(
        label="Share by attributed beneficiaries (%)", min_value=0, max_value=100, initial=100,
        required=False,
    )  # fmt: skip
    weight_savings_contribution = forms.DecimalField(
        label="Share by savings contribution (%)", min_value=0, max_value=100, initial=0,
        required=False,
    )  # fmt: skip
    weight_quality = forms.DecimalField(
        label="Share by quality (%)", min_value=0, max_value=100, initial=0, required=False
    )
    note = forms.CharField(label="Why this version", max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in (*WEIGHT_FIELDS, "note"):
            self.fields[name] = self.fields.pop(name)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        self.method = _method(self, data)
        return data


class PlatformRunForm(_WeightsAndNote, _KindAndProjectionFields):
    """Settle (or project) an MSSP entity-year on the platform's own data. Alignment, claims,
    the benchmark and the quality result are read by the job; the fields here are the choices
    and CMS report figures the platform does not hold."""

    field_order = ("kind", "track", "msr_mlr", "msr_pct", "participant_revenue", "low_revenue",
                   "euc_loss_reduction", *_PROJECTION_FIELDS, *WEIGHT_FIELDS, "note")  # fmt: skip
    track = forms.ChoiceField(
        label="Track",
        choices=[("", "Choose the track of the year")]
        + [(t.value, t.value.replace("_", " ")) for t in MSSPTrack],
        help_text="Preset from the entity's track for the year in the program registry",
    )
    msr_mlr = forms.ChoiceField(
        label="MSR/MLR",
        choices=[("", "Choose the election")] + MSR_CHOICES,
        help_text="The election for the agreement period; preset from the last version",
    )
    msr_pct = forms.DecimalField(
        label="Entity-specific MSR (%)", required=False, max_digits=7, decimal_places=4,
        help_text="From CMS's report; needed below 5,000 assigned beneficiaries",
    )  # fmt: skip
    participant_revenue = forms.DecimalField(
        label="ACO participant FFS revenue ($)", required=False, min_value=0, **MONEY,
        help_text="From CMS's report; needed for BASIC two-sided losses",
    )  # fmt: skip
    low_revenue = forms.BooleanField(label="Low-revenue ACO", required=False)
    euc_loss_reduction = forms.DecimalField(
        label="EUC loss reduction ($)", required=False, min_value=0, **MONEY
    )

    def job_parameters(self, year: int) -> dict[str, Any]:
        data = self.cleaned_data
        report = {
            name: f"{data[name]:f}"
            for name in ("msr_pct", "participant_revenue", "euc_loss_reduction")
            if data.get(name) is not None
        }
        if data.get("low_revenue"):
            report["low_revenue"] = "true"
        params: dict[str, Any] = {
            "performance_year": year,
            "kind": data["kind"],
            "track": data["track"],
            "msr_mlr": data["msr_mlr"],
            "report_figures": report,
            "note": data.get("note", ""),
        }
        if self.method is not None:
            params["method"] = [[str(b), str(w)] for b, w in self.method.weights]
        return {**params, **self.projection_parameters()}


class ReachPlatformRunForm(_WeightsAndNote, _KindAndProjectionFields):
    """Settle (or project) an ACO REACH entity-year on the platform's own data. Alignment,
    claims, the benchmark and the quality result (its score read as the Total Quality Score)
    are read by the job; the fields here are what the platform does not hold."""

    # The CMS report figures (REACH_OPTIONAL after aligned_member_months), then the projection.
    field_order = (
        "kind", "arrangement", *REACH_OPTIONAL[1:], *_PROJECTION_FIELDS, *WEIGHT_FIELDS, "note",
    )  # fmt: skip

    arrangement = forms.ChoiceField(
        choices=[("", "The DCE's track of the year"), ("GLOBAL", "Global"),
                 ("PROFESSIONAL", "Professional")],
        required=False,
    )  # fmt: skip
    stop_loss_charge = forms.DecimalField(
        label="Stop-loss charge ($)", required=False, min_value=0, **MONEY
    )
    stop_loss_payout = forms.DecimalField(
        label="Stop-loss payout ($)", required=False, min_value=0, **MONEY
    )
    pcc_base_paid = forms.DecimalField(
        label="Base PCC paid ($)", required=False, min_value=0, **MONEY
    )
    pcc_enhanced_paid = forms.DecimalField(
        label="Enhanced PCC paid ($)", required=False, min_value=0, **MONEY
    )
    tcc_paid = forms.DecimalField(
        label="TCC paid ($)", required=False, min_value=0, **MONEY, help_text="Global only"
    )
    apo_paid = forms.DecimalField(label="APO paid ($)", required=False, min_value=0, **MONEY)
    apo_claims_reduced = forms.DecimalField(
        label="APO claims reductions ($)", required=False, min_value=0, **MONEY
    )

    def job_parameters(self, year: int) -> dict[str, Any]:
        from settlement.collect import REACH_REPORT_FIGURES

        data = self.cleaned_data
        method = (
            {"method": [[str(b), str(w)] for b, w in self.method.weights]} if self.method else {}
        )
        return {
            **method,
            "performance_year": year,
            "kind": data["kind"],
            "track": data.get("arrangement") or "",
            "report_figures": {
                name: f"{data[name]:f}"
                for name in REACH_REPORT_FIGURES
                if data.get(name) is not None
            },
            "note": data.get("note", ""),
            **self.projection_parameters(),
        }


class MCPCloseOutForm(forms.Form):
    file = forms.FileField(
        label="Practice close-out CSV",
        help_text="One record per line, as listed above; ESP tier amounts with their source",
    )
