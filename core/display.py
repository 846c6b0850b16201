"""How figures are written for people: the one formatting layer of the pages, CSVs and PDFs.

Money is dollars with thousands separators and cents (`$3,156.99`, `-$1,200.00`); counts are whole
with separators (`13,372`); percents carry two decimals unless a rule states more places
(`55.89%`); dates are ISO (`2025-12-31`, the form CMS files and our as-of dates use); yes/no is
words, never `True`/`False`; a code name (`participant_revenue`) becomes words ("Participant
revenue"). Every function takes what the database or an engine hands over (Decimal, str, int,
float, None) and returns text; None and "" become an em dash. Display only: nothing here rounds a
figure that is stored or compared.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

DASH = "—"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).replace(",", "").replace("$", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def money(value: Any, places: int = 2) -> str:
    """12345.6 -> $12,345.60; -5 -> -$5.00; text that is not a number is returned unchanged."""
    number = _decimal(value)
    if number is None:
        return DASH if value in (None, "") else str(value)
    quantum = Decimal(1).scaleb(-places)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.{places}f}"


def count(value: Any) -> str:
    """13372 -> 13,372 (whole numbers; a fraction is kept to two places: 1672.75 -> 1,672.75)."""
    number = _decimal(value)
    if number is None:
        return DASH if value in (None, "") else str(value)
    if number == number.to_integral_value():
        return f"{number:,.0f}"
    return f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def number(value: Any, places: int = 2) -> str:
    """A plain figure (a ratio, a score) to `places` decimals with separators: 1.0345 -> 1.03."""
    number_ = _decimal(value)
    if number_ is None:
        return DASH if value in (None, "") else str(value)
    quantum = Decimal(1).scaleb(-places)
    return f"{number_.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}"


def plain_decimal(value: Any) -> str:
    """A decimal for a form field or a CSV cell: no exponent, no trailing zeros beyond cents
    (11331818.89000000000000000000 -> 11331818.89; 5650000.00 -> 5650000.00)."""
    number_ = _decimal(value)
    if number_ is None:
        return "" if value in (None, "") else str(value)
    text = f"{number_.normalize():f}"
    if "." in text:
        whole, frac = text.split(".")
        return f"{whole}.{frac.ljust(2, '0')}"
    return text


def percent(value: Any, places: int = 2) -> str:
    """A percent already in percent units: 55.8909 -> 55.89%; 2.0000 -> 2.00%."""
    number_ = _decimal(value)
    if number_ is None:
        return DASH if value in (None, "") else str(value)
    quantum = Decimal(1).scaleb(-places)
    return f"{number_.quantize(quantum, rounding=ROUND_HALF_UP):,.{places}f}%"


def share(value: Any, places: int = 2) -> str:
    """A share (0 to 1) as a percent: 0.558909 -> 55.89%."""
    number_ = _decimal(value)
    if number_ is None:
        return DASH if value in (None, "") else str(value)
    return percent(number_ * 100, places)


def day(value: Any) -> str:
    """A date as ISO (2025-12-31); a datetime as its date and minute (2025-12-31 14:05)."""
    if value in (None, ""):
        return DASH
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def yes_no(value: Any) -> str:
    """True -> "Yes", False -> "No", None -> the dash (also for "True"/"False" kept as text)."""
    if value in (None, ""):
        return DASH
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "t", "1", "yes", "y"):
            return "Yes"
        if lowered in ("false", "f", "0", "no", "n"):
            return "No"
        return value
    return "Yes" if value else "No"


ACRONYMS = {
    "aco": "ACO", "dce": "DCE", "mbi": "MBI", "tin": "TIN", "npi": "NPI", "ccn": "CCN",
    "hcc": "HCC", "msr": "MSR", "mlr": "MLR", "pmpm": "PMPM", "py": "PY", "ed": "ED",
    "esrd": "ESRD", "cms": "CMS", "mssp": "MSSP", "reach": "REACH", "qps": "QPS", "apo": "APO",
    "pcc": "PCC", "tcc": "TCC", "ffs": "FFS", "id": "ID", "awv": "AWV", "pct": "%",
    "ltc": "LTC", "snf": "SNF", "hha": "HHA", "dme": "DME", "cclf": "CCLF", "csv": "CSV",
    "pbp": "PBP", "ucc": "UCC", "mcp": "MCP", "raf": "RAF", "ip": "inpatient", "op": "outpatient",
}  # fmt: skip


def words(value: Any) -> str:
    """A code name in words: participant_revenue -> "Participant revenue", msr_pct -> "MSR %",
    alignment.run -> "Alignment run". Text with spaces already is returned unchanged."""
    if value in (None, ""):
        return DASH
    text = str(value)
    if " " in text.strip():
        return text
    parts = [p for p in text.replace(".", "_").replace("-", "_").split("_") if p]
    if not parts:
        return text
    out = [ACRONYMS.get(p.lower(), p.lower()) for p in parts]
    if out[0] == out[0].lower():
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)
