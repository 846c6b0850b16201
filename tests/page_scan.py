"""What a page a person reads must not show: the checks of the every-page, every-role test
(tests/core/test_every_page_reads_right.py), kept apart so a script can run them on the demo.

`page_urls(entity)` lists the pages of an entity from what is stored (its runs, versions,
jobs, beneficiaries); `problems(html)` returns the offending snippets of one page's HTML.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from django.db.models import Q
from django.urls import reverse

_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_INPUT_VALUE = re.compile(r"<input\b[^>]*\bvalue=\"([^\"]*)\"", re.I)
_TH = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S | re.I)

TEXT_RULES: list[tuple[str, re.Pattern[str]]] = [
    # $3156.99, $-5.00, $ 12: money without separators, with the sign after the dollar.
    ("money without separators", re.compile(r"\$\d{4,}(?:\.\d+)?\b")),
    ("money with the sign inside", re.compile(r"\$-\d")),
    # 13372 member-months / 1710 beneficiaries: counts without separators.
    (
        "count without separators",
        re.compile(
            r"(?<![\w.,$])\d{4,}(?:\.\d+)?\s+(?:member-months|beneficiar|people|person-years|claims|assigned)"
        ),
    ),  # fmt: skip
    # 4000000.00 / 11331818.89000: a raw decimal (seven or more digits before the point).
    ("raw decimal", re.compile(r"(?<![\d,.$A-Za-z-])\d{5,}\.\d{2,}\b")),
    ("long decimal", re.compile(r"\b\d+\.\d{7,}\b")),
    # 55.8909%: a percent with more than two decimals.
    ("percent past two decimals", re.compile(r"\b\d+\.\d{3,}\s?%")),
    ("True/False", re.compile(r"(?<![\w-])(True|False|None)(?![\w-])")),
    (
        "internal reference",
        re.compile(
            r"domain\.md|\bissue \d+|\bissues? #\d+|README|not shipped here|\b[a-z_]+/[a-z_]+\.(?:py|json|csv|md)\b"
            r"|/work/|\bsee the docs folder"
        ),
    ),  # fmt: skip
    # mssp_tracks 2026.1: PY2025 BASIC_D, cms_hcc, segment CNA: a code where its meaning belongs.
    (
        "code without its meaning",
        re.compile(
            r"\b(?:mssp_tracks|mssp_msr_bands|BASIC_[A-E]|TRACK_\d\w*|cms_hcc"
            r"|alignment_engine)\b|\bsegment [A-Z]{2,5}\b"
        ),
    ),
    # 3 Part B claim line(s): a count whose noun is not put in its number.
    ("noun not in its number", re.compile(r"\b\d[\d,]*\s+(?:[\w-]+\s+){0,3}[a-z]+\(s\)")),
    # "attributed TIN 991000925 -> 991000148": an arrow typed as text where words belong.
    ("arrow typed as text", re.compile(r"(?<![<!])-{1,2}>")),
    # alignment.run #2, settlement.collect: a job kind as its title.
    ("code name as a title", re.compile(r"\b[a-z]+\.[a-z_]+ #\d+")),
]


def visible_text(html: str) -> str:
    """The text a reader sees: scripts, styles and tags removed, entities decoded."""
    return unescape(_TAG.sub(" ", _SCRIPT.sub(" ", html)))


def problems(html: str) -> list[str]:
    found: list[str] = []
    text = " ".join(visible_text(html).split())
    for name, rule in TEXT_RULES:
        for match in rule.finditer(text):
            start = max(match.start() - 40, 0)
            found.append(f"{name}: …{text[start : match.end() + 40]}…")
    for cell in _TH.findall(html):
        label = " ".join(visible_text(cell).split())
        if re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)+", label):
            found.append(f"snake_case header: {label}")
    for value in _INPUT_VALUE.findall(html):
        if re.fullmatch(r"-?\d+\.\d{5,}", value):
            found.append(f"form value with raw decimals: {value}")
    return found


def page_urls(entity: Any, *, user: Any) -> list[str]:
    """The entity's pages, one of each kind of stored thing, that `user` may open."""
    from alignment.models import AlignmentRun
    from benchmarks.models import BenchmarkCalculation, ReferenceDataset
    from beneficiaries.models import Beneficiary
    from jobs.models import Job
    from settlement.models import SettlementRun

    urls = [
        reverse("home"),
        reverse("care:today"),
        reverse("care:overview", args=[entity.pk]),
        reverse("care:roster", args=[entity.pk]),
        reverse("care:worklist", args=[entity.pk]),
        reverse("care:queue", args=[entity.pk]),
        reverse("care:search"),
        reverse("alignment:index"),
        reverse("alignment:voluntary"),
        reverse("benchmarks:index"),
        reverse("benchmarks:reference_list"),
        reverse("settlement:index"),
        reverse("settlement:calculator"),
        reverse("settlement:calculator") + "?program=reach",
        reverse("settlement:batch"),
        reverse("quality:overview", args=[entity.pk]),
        reverse("specialists:index"),
        reverse("specialists:entity", args=[entity.pk]),
        reverse("specialists:leakage", args=[entity.pk]),
        reverse("alignment:reconciliation_index"),
        reverse("events:unmatched", args=[entity.pk]),
    ]
    bene = Beneficiary.objects.filter(entity=entity, care__isnull=False).order_by("pk").first()
    if bene is not None:
        urls.append(reverse("care:beneficiary", args=[entity.pk, bene.pk]))
        # The panels the person's page loads after it (htmx): read on the same page.
        urls.append(reverse("events:beneficiary", args=[entity.pk, bene.pk]))
        urls.append(reverse("specialists:beneficiary", args=[entity.pk, bene.pk]))
        urls.append(reverse("alignment:beneficiary_history", args=[bene.pk]))
        urls.append(reverse("benchmarks:beneficiary_risk", args=[bene.pk]))
    for run in AlignmentRun.objects.filter(entity=entity).order_by("-pk")[:2]:
        urls.append(reverse("alignment:run_detail", args=[run.pk]))
        urls.append(reverse("alignment:run_results", args=[run.pk]))
    for calc in BenchmarkCalculation.objects.filter(entity=entity).order_by("-pk")[:1]:
        urls.append(reverse("benchmarks:calculation_detail", args=[calc.pk]))
    # The latest reference file the entity's users may open: national or the entity's own.
    mine = Q(entity=entity) | Q(entity__isnull=True, program=entity.program)
    for dataset in ReferenceDataset.objects.filter(mine).order_by("-pk")[:1]:
        urls.append(reverse("benchmarks:reference_detail", args=[dataset.pk]))
    years = sorted(
        set(SettlementRun.objects.filter(entity=entity).values_list("performance_year", flat=True))
    )
    from benchmarks.models import RiskScore

    for year in sorted(
        set(RiskScore.objects.filter(entity=entity).values_list("payment_year", flat=True))
    )[:1]:
        urls.append(reverse("benchmarks:risk_list", args=[entity.pk, year]))
    for year in years:
        urls.append(reverse("settlement:entity_year", args=[entity.pk, year]))
        urls.append(reverse("benchmarks:pmpm", args=[entity.pk, year]))
    for job in Job.objects.filter(entity=entity).order_by("-pk")[:6]:
        urls.append(reverse("jobs:detail", args=[job.pk]))
    return urls
