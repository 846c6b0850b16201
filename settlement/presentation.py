"""Labels and formats for settlement figures on pages (display only)."""

from __future__ import annotations

from core import display

MSSP_FIGURES = (
    ("gross_savings", "Gross savings (losses)", "money"),
    ("savings_rate_pct", "Savings rate", "pct"),
    ("msr_pct", "Minimum savings rate (MSR; MLR for two-sided tracks)", "pct"),
    ("generated_savings_losses", "Generated savings (losses) that count", "money"),
    ("final_sharing_rate_pct", "Final sharing rate", "pct"),
    ("final_loss_rate_pct", "Final shared loss rate", "pct"),
    ("earned_savings_losses", "Earned savings (losses), after sequestration", "money"),
)
REACH_FIGURES = (
    ("final_benchmark", "Final benchmark", "money"),
    ("gross_savings", "Gross savings (losses)", "money"),
    ("savings_rate_pct", "Gross savings rate", "pct"),
    ("shared_savings_losses", "Shared savings (losses) after corridors", "money"),
    ("sequestration", "Sequestration", "money"),
    ("earned_savings_losses", "Earned savings (losses)", "money"),
    ("cash_flow_adjustments", "Capitation and APO reconciliation", "money"),
    ("net_settlement", "Net settlement", "money"),
)


def money(text: str) -> str:
    return display.money(text)


def figure_rows(program: str, figures: dict[str, str]) -> list[tuple[str, str]]:
    rows = []
    for key, label, kind in MSSP_FIGURES if program == "mssp" else REACH_FIGURES:
        value = figures.get(key, "")
        if value == "":
            shown = "—"
        elif kind == "money":
            shown = money(value)
        else:
            shown = display.percent(value)
        rows.append((label, shown))
    return rows


_OTHER_COLUMNS = {
    "entity_id": "Entity",
    "performance_year": "Performance year",
    "arrangement": "Arrangement",
    "warnings": "Warnings",
}


def batch_table(
    program: str, columns: list[str] | tuple[str, ...], rows: list[dict[str, str]]
) -> dict:
    """A batch's results for the page: headers in words and figures formatted as on the
    entity-year page (the output CSV keeps the columns and exact figures a program reads)."""
    figures = MSSP_FIGURES if program == "mssp" else REACH_FIGURES
    kinds = {key: (label, kind) for key, label, kind in figures}
    shown = [c for c in columns if c != "explanation"]
    headers = [
        kinds[c][0] if c in kinds else _OTHER_COLUMNS.get(c, display.words(c)) for c in shown
    ]
    body = []
    for row in rows:
        cells = []
        for column in shown:
            value = row.get(column, "")
            kind = kinds[column][1] if column in kinds else ""
            if value in (None, ""):
                cells.append(("—" if kind else "", bool(kind)))
            elif kind == "money":
                cells.append((money(value), True))
            elif kind == "pct":
                cells.append((display.percent(value), True))
            else:
                cells.append((value, column == "performance_year"))
        body.append(cells)
    return {"headers": headers, "rows": body}


REACH_WITHHOLD_STEP = "Quality withhold on the benchmark"
REACH_EARNED_STEP = "Withhold earned back on the Total Quality Score"


def reach_quality(run: object | None) -> dict[str, object] | None:
    """The quality panel of a REACH settlement version, as that version computed it: the year's
    withhold (its rate, from the parameter table version the version used, and the rate's
    source), the Total Quality Score entered and the withhold earned back. None for another
    program or a version without those steps."""
    if run is None or getattr(run, "program", "") != "reach":
        return None
    steps = {step.get("label", ""): step for step in getattr(run, "explanation", None) or []}
    withhold, earned = steps.get(REACH_WITHHOLD_STEP), steps.get(REACH_EARNED_STEP)
    if withhold is None or earned is None:
        return None
    # The steps' values read "2% x $61,000,000.00 = $1,220,000.00": rate x base = amount.
    rate, _, rest = str(withhold.get("value", "")).partition(" x ")
    benchmark, _, amount = rest.partition(" = ")
    earned_amount = str(earned.get("value", "")).rpartition(" = ")[2]
    score = (getattr(run, "inputs", None) or {}).get("quality_withhold_earned_pct", "")
    return {
        "withhold_rate": rate,
        "benchmark": benchmark,
        "withhold": amount,
        "rate_source": withhold.get("citation", ""),
        # "to confirm" once: a source may already end by saying what to confirm.
        "rate_to_confirm": bool(withhold.get("to_confirm"))
        and not str(withhold.get("citation", "")).rstrip(" .").endswith("confirm"),
        "parameters": withhold.get("parameters", "") or getattr(run, "parameter_version", ""),
        "score": display.number(score) if score != "" else display.DASH,
        "earned_back": earned_amount,
    }
