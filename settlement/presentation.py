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
