"""How figures are written for people: the one formatting layer of the pages, CSVs and PDFs.

Money is dollars with thousands separators and cents (`$3,156.99`, `−$1,200.00`); counts are whole
with separators (`13,372`); percents carry two decimals unless a rule states more places
(`55.89%`); dates are ISO (`2025-12-31`, the form CMS files and our as-of dates use); yes/no is
words, never `True`/`False`; a code name (`participant_revenue`) becomes words ("Participant
revenue"). Every function takes what the database or an engine hands over (Decimal, str, int,
float, None) and returns text; None and "" become an em dash. Display only: nothing here rounds a
figure that is stored or compared. A negative figure of any kind (money, percent, count, number)
is written with the one minus sign `−` (U+2212, which screen readers say "minus" and which does
not break a line), never a hyphen; `plain_decimal`, for form fields and CSV cells a program reads
back, keeps the hyphen.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

DASH = "—"
MINUS = "\u2212"


def _signed(text: str) -> str:
    """Formatted text of a figure with its hyphen sign, if any, made the one minus sign."""
    return MINUS + text[1:] if text.startswith("-") else text


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        text = str(value).replace(",", "").replace("$", "").replace(MINUS, "-").strip()
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def money(value: Any, places: int = 2) -> str:
    """12345.6 -> $12,345.60; -5 -> −$5.00; text that is not a number is returned unchanged."""
    number = _decimal(value)
    if number is None:
        return DASH if value in (None, "") else str(value)
    quantum = Decimal(1).scaleb(-places)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = MINUS if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.{places}f}"


def count(value: Any) -> str:
    """13372 -> 13,372 (whole numbers; a fraction is kept to two places: 1672.75 -> 1,672.75)."""
    number = _decimal(value)
    if number is None:
        return DASH if value in (None, "") else str(value)
    if number == number.to_integral_value():
        return _signed(f"{number:,.0f}")
    return _signed(f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}")


def person_years(value: Any) -> str:
    """Person-years (member-months / 12) always to two decimals, so a column reads alike and a
    whole figure is not taken for a head count: 10 -> 10.00; 1195.3333 -> 1,195.33."""
    return number(value, 2)


def counted(value: Any, noun: str, plural: str | None = None) -> str:
    """A count with its noun in the right number: (1, "episode") -> "1 episode", (1250, "claim
    line") -> "1,250 claim lines" (never "claim line(s)")."""
    number_ = _decimal(value)
    one = number_ is not None and number_ == 1
    return f"{count(value)} {noun if one else plural or noun + 's'}"


def noun(value: Any, singular: str, plural: str | None = None) -> str:
    """The noun for a count, without the count, for a list that follows it: (["a"], "scope") ->
    "scope", (["a", "b"], "scope") -> "scopes" (a sized collection counts by its length)."""
    size = len(value) if hasattr(value, "__len__") and not isinstance(value, str) else value
    return counted(size, singular, plural).split(" ", 1)[1]


def number(value: Any, places: int = 2) -> str:
    """A plain figure (a ratio, a score) to `places` decimals with separators: 1.0345 -> 1.03."""
    number_ = _decimal(value)
    if number_ is None:
        return DASH if value in (None, "") else str(value)
    quantum = Decimal(1).scaleb(-places)
    rounded = number_.quantize(quantum, rounding=ROUND_HALF_UP)
    return _signed(f"{(rounded if rounded else abs(rounded)):,.{places}f}")


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
    return f"{text}.00" if "." in str(value) else text


def percent(value: Any, places: int = 2) -> str:
    """A percent already in percent units, with two decimals (a rule may ask for more places),
    so a column of shares reads alike; a whole percent, as the rules state rates, stays whole:
    55.8909 -> 55.89%; 3.9000 -> 3.90%; 1.9 -> 1.90%; 2.0000 -> 2%; -2.45 -> −2.45%."""
    number_ = _decimal(value)
    if number_ is None:
        return DASH if value in (None, "") else str(value)
    quantum = Decimal(1).scaleb(-places)
    rounded = number_.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        text = f"{rounded:,.0f}"
    else:
        text = f"{rounded:,.{places}f}"
        while places > 2 and text.endswith("0"):
            text, places = text[:-1], places - 1
    return f"{'0' if text in ('-0', '') else _signed(text)}%"


def share(value: Any, places: int = 2) -> str:
    """A share (0 to 1) as a percent: 0.558909 -> 55.89%."""
    number_ = _decimal(value)
    if number_ is None:
        return DASH if value in (None, "") else str(value)
    return percent(number_ * 100, places)


def above_below(value: Any, reference: Any) -> str:
    """How far a figure sits from the one it is held against, in words, never a sign to decode:
    (553495.42, 457570.90) -> "$95,924.52 (20.96%) above"; (9240, 11640) -> "$2,400.00 (20.62%)
    below"; equal -> "equal to". The share is of the reference (left out when it is zero). The
    caller writes what follows ("... the target")."""
    number_, base = _decimal(value), _decimal(reference)
    if number_ is None or base is None:
        return DASH
    difference = number_ - base
    if difference.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == 0:
        return "equal to"
    side = "above" if difference > 0 else "below"
    of = f" ({share(abs(difference) / abs(base))})" if base else ""
    return f"{money(abs(difference))}{of} {side}"


def day(value: Any) -> str:
    """A date as ISO (2025-12-31); a datetime as its date and minute (2025-12-31 14:05), a stored
    (aware) one in the site's time zone, as pages show it, so a CSV or PDF reads the same clock."""
    if value in (None, ""):
        return DASH
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
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
    "pbp": "PBP", "hea": "HEA", "ucc": "UCC", "mcp": "MCP", "raf": "RAF", "ip": "inpatient", "op": "outpatient",
    "acpt": "ACPT", "by1": "BY1", "by2": "BY2", "by3": "BY3", "ime": "IME", "dsh": "DSH",
    "euc": "EUC", "lti": "LTI",
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


# Where each section of the program rules the engines cite comes from: the CMS document or
# regulation a reader can look up (the engines' citations name the section of our rules digest;
# a page names its source instead).
_SECTION_SOURCES: list[tuple[str, str]] = [
    ("1.4", "ACO REACH Financial Operating Guide (alignment)"),
    ("1", "Medicare Shared Savings Program Assignment Methodology Specifications; 42 CFR 425.402"),
    ("2", "42 CFR 425.652; Medicare Shared Savings Program Shared Savings and Losses Methodology Specifications"),
    ("3.4", "42 CFR 425.512"),
    ("3", "42 CFR 425.605 and 425.610; Medicare Shared Savings Program Shared Savings and Losses Methodology Specifications"),
    ("4", "ACO REACH Financial Operating Guide; ACO REACH Request for Applications"),
    ("5", "Making Care Primary Model Financial Methodology"),
    ("6", "CMS-HCC risk adjustment model (CMS Rate Announcement)"),
    ("7.2", "ACO REACH Quality Measurement Methodology"),
    ("7", "APM Performance Pathway; 42 CFR 425.512"),
    ("8", "CCLF Information Packet"),
    ("9", "Ann Intern Med 2024;177(3):375-382"),
    ("10", "the CMS methodology of the program"),
    ("A", "CCLF Information Packet"),
]  # fmt: skip
_SECTION_LIST = (
    r"(?:(?:section|item|§)\s*)?[0-9A](?:[0-9.]*[0-9])?(?:\s*-\s*[0-9.]*[0-9])?(?:\s+item\s+\d+)?"
)
_DIGEST = re.compile(
    rf"\bdomain\.md(?:\s+(?:section|§))?(?:\s*({_SECTION_LIST}(?:\s*(?:,|and)\s*{_SECTION_LIST})*))?",
    re.I,
)
_ISSUE = re.compile(r"\b(?:see\s+)?issues?\s+#?\d+(?:\s+and\s+#?\d+)?\s*[:;,]?\s*", re.I)
_LONG_PERCENT = re.compile(r"(?<![\d.])(-?\d+\.\d{3,})(\s?%)")
_BOOLEAN_WORD = re.compile(r"(?<![\w-])(True|False)(?![\w-])")


# Our rules digest's evidence tags, "[V]" (seen in the named source), "[R]" (recalled, not
# re-read) and "[3P]" (a third-party source), with or without the source after the tag: a reader
# gets the source and whether to confirm it, not the tag.
_EVIDENCE = re.compile(r"\s*\[(V|R|3P)(?:\s+([^\]]+))?\]")


def _evidence(match: re.Match[str]) -> str:
    tag, source = match.group(1), (match.group(2) or "").strip()
    if tag == "V":
        return f" [{source}]" if source else ""
    why = "recalled, to confirm" if tag == "R" else "third-party source, to confirm"
    return f" [{source}; {why}]" if source else f" [{why}]"


def _sources_of(sections: str) -> list[str]:
    found: list[str] = []
    for part in re.split(r"\s*(?:,|and)\s*", sections):
        number = re.sub(r"^(?:section|item|§)\s*", "", part.strip(), flags=re.I)
        number = number.split("-")[0].split(" ")[0].strip(".")
        for prefix, source in _SECTION_SOURCES:
            if number == prefix or number.startswith(prefix + "."):
                for name in source.split("; "):
                    if name not in found:
                        found.append(name)
                break
    general = _SECTION_SOURCES[-2][1]
    return [name for name in found if name != general] or found


def cite(value: Any) -> str:
    """A citation or a rule's text as a reader should see it: a reference to our rules digest
    becomes the CMS document or regulation behind that section, its evidence tags ("[R]") say
    what they mean ("[recalled, to confirm]"); an issue number, "README" and "not shipped here"
    are dropped or said plainly."""
    if value in (None, ""):
        return ""
    text = str(value)

    def digest(match: re.Match[str]) -> str:
        sources = _sources_of(match.group(1) or "")
        return "; ".join(sources) if sources else "the CMS program documents"

    text = re.sub(
        r"\bdomain\.md (?:does not|doesn't) (say|give)", r"the CMS sources do not \1", text
    )
    text = re.sub(r"\bdomain\.md gives no\b", "the CMS sources give no", text)
    text = _DIGEST.sub(digest, text)
    text = _EVIDENCE.sub(_evidence, text)
    text = _ISSUE.sub("", text)
    text = re.sub(r"\bnot shipped here\b", "not loaded on this platform", text)
    text = re.sub(r"\s*\(?see the README\)?", "", text, flags=re.I)
    # A file of ours (shared/data/mssp_msr_table.csv) is no source for a reader: the document
    # cited beside it is.
    text = re.sub(r"[;,]?\s*\b[\w-]+(?:/[\w.-]+)+\.(?:py|json|csv|md)\b", "", text)
    return re.sub(r"\s{2,}", " ", text).strip(" ;,")


# The CMS documents an alignment run's rules version follows, by program.
_RULES_SOURCES = {
    "mssp": (
        "MSSP assignment rules",
        "42 CFR 425.400-425.402; Medicare Shared Savings Program Shared Savings and Losses, "
        "Assignment and Quality Performance Standard Methodology",
    ),
    "reach": (
        "ACO REACH alignment rules",
        "ACO REACH Financial Operating Guide, Appendix B; ACO REACH Participation Agreement",
    ),
}
_RULES_VERSION = re.compile(
    r"^(?P<program>[a-z]+)-(?P<year>\d{4})-(?P<engine>[\w.]+)-(?P<digest>[0-9a-f]+)$"
)


def rules_version(value: Any) -> str:
    """An alignment run's parameters version in words: "mssp-2025-2026.1-0123456789" -> "PY2025
    MSSP assignment rules, version 2026.1 (parameter set 0123456789), from 42 CFR 425.400-425.402;
    ...". The set is a fingerprint of every rule choice and code list the run used, so two runs
    with the same one applied the same rules. Anything else is shown as given."""
    if value in (None, ""):
        return DASH
    text = str(value).strip()
    found = _RULES_VERSION.match(text)
    if not found or found["program"] not in _RULES_SOURCES:
        return text
    name, source = _RULES_SOURCES[found["program"]]
    return (
        f"PY{found['year']} {name}, version {found['engine']} "
        f"(parameter set {found['digest']}), from {source}"
    )


def tidy(value: Any) -> str:
    """Free text an engine wrote (an explanation step) in the page's formats: percents past two
    decimals rounded to two (55.8909% -> 55.89%), True/False as yes/no, and its citations as
    `cite` gives them."""
    if value in (None, ""):
        return ""
    text = cite(value)
    text = _LONG_PERCENT.sub(lambda m: percent(m.group(1)).rstrip("%") + m.group(2), text)
    return _BOOLEAN_WORD.sub(lambda m: "yes" if m.group(1) == "True" else "no", text)
