"""The README's first command, `make run`, loads the demo into the embedded SQLite database and
runs jobs in-process. Every app's demo hook must work there, not only on PostgreSQL, and the
coordinator's pages must render the data it made (alignment, risk, PMPM, settlement)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHECK_PAGES = """
from django.test import Client
from django.urls import reverse
from accounts.models import User
from tests.login import verified_client
from alignment.models import AlignmentResult
from entities.models import Entity

entity = Entity.objects.get(cms_id="A9901")
user = User.objects.get(email="coordinator@valley.demo")
client = verified_client(user, Client(HTTP_HOST="127.0.0.1"))
result = AlignmentResult.objects.filter(run__entity=entity, aligned=True).first()
pages = [
    reverse("care:overview", args=[entity.pk]),
    reverse("care:roster", args=[entity.pk]),
    reverse("care:beneficiary", args=[entity.pk, result.beneficiary_id]),
    reverse("care:today"),
]
for url in pages:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
overview = client.get(pages[0]).content.decode()
assert "aligned now" in overview, "alignment panel"
# Settlement money is the entity's to open to coordinators (off by default); an analyst sees it.
assert "keep settlement dollars from care coordinators" in overview, "savings panel (coordinator)"
analyst_user = User.objects.get(email="analyst@valley.demo")
analyst = verified_client(analyst_user, Client(HTTP_HOST="127.0.0.1"))
assert "Settlement details for" in analyst.get(pages[0]).content.decode(), "savings panel"
assert "pmpm-table" in overview, "PMPM panel"
from specialists.models import LeadSpecialistRun
lead_run = LeadSpecialistRun.objects.get(entity=entity, status="succeeded")
assert lead_run.attributed_count > 0, "lead specialists"
leads = client.get(reverse("specialists:entity", args=[entity.pk])).content.decode()
assert "Lead specialist practices" in leads, "lead specialists page"
assert client.get(reverse("specialists:leakage", args=[entity.pk])).status_code == 200, "leakage"
print("lead specialists:", lead_run.attributed_count, "of", lead_run.population_count)
# Episodes of at least three types are scored, each with its managing specialist's scorecard,
# and a specialist's gain-share statement reconciles to the entity's settlement.
from specialists.models import Episode
from specialists.statements import gain_share_view
scored = Episode.objects.filter(run=lead_run, period="performance", complete=True)
assert scored.values("episode_type").distinct().count() >= 3, "episode types"
assert lead_run.scorecards, "scorecards"
assert "Specialist scorecards" in client.get(reverse("specialists:episodes", args=[entity.pk])).content.decode()
tin = lead_run.scorecards[0]["tin"]
assert client.get(reverse("specialists:scorecard", args=[entity.pk, tin])).status_code == 200, "scorecard"
assert "Reconciliation to the entity" in analyst.get(reverse("specialists:gain_share", args=[entity.pk])).content.decode()
share = gain_share_view(user=analyst_user, entity=entity, run=lead_run).reconciliation.shares[0]
statement = analyst.get(reverse("specialists:gain_share_statement", args=[entity.pk, share.tin, "csv"]))
assert statement.status_code == 200 and "Amount for this TIN" in statement.content.decode(), "statement"
print("episodes:", scored.count(), "scored;", len(lead_run.scorecards), "scorecards")
# The demo DCE's preferred provider signs in: its shared patients and scorecard, nothing else.
dce = Entity.objects.get(cms_id="D9902")
preferred = verified_client(User.objects.get(email="preferred@coastal.demo"), Client(HTTP_HOST="127.0.0.1"))
shared = preferred.get(reverse("specialists:preferred", args=[dce.pk])).content.decode()
assert "Shared patients (" in shared and "Your scorecard" in shared, "preferred provider's page"
assert "manages no scored episode" not in shared, "preferred provider's scorecard"
assert preferred.get(reverse("care:roster", args=[dce.pk])).status_code == 404, "preferred: roster"

# The demo's inpatient claims carry discharge statuses, and the worklist follows them: a SNF
# admission task, no 7-day follow-up after a stay that ended in death; no open task targets a
# deceased, hospice or non-aligned beneficiary.
from care.models import OPEN_STATUSES, WorklistItem
from claims.models import PartAClaimHeader

inpatient = PartAClaimHeader.objects.filter(entity=entity, clm_type_cd="60")
statuses = {s.strip() for s in inpatient.values_list("bene_ptnt_stus_cd", flat=True)}
assert {"01", "02", "03", "07", "20", "50"} <= statuses, sorted(statuses)
items = WorklistItem.objects.filter(entity=entity)
assert items.filter(kind="snf_admission", source_key__startswith="snf:").exists(), "SNF task"
expired = {str(i) for i in inpatient.filter(bene_ptnt_stus_cd="20").values_list("cur_clm_uniq_id", flat=True)}
follow_ups = {k.split(":", 1)[1] for k in items.filter(kind="discharge_follow_up").values_list("source_key", flat=True)}
assert expired and not expired & follow_ups, "follow-up after death"
# The discharge that arrived minutes ago opened its two-business-day contact task, and "My work
# today" shows it with its age.
from datetime import timedelta
from django.utils import timezone
from events.rules import business_days_after
contact = items.filter(kind="tcm_contact", status="open", source_at__isnull=False).order_by("-source_at").first()
assert contact is not None, "event task"
assert timezone.now() - contact.source_at < timedelta(minutes=30), contact.source_at
assert contact.due_date == business_days_after(timezone.localdate(contact.source_at), 2), contact.due_date
today = client.get(reverse("care:today")).content.decode()
assert "New from hospital feeds" in today and contact.title in today, "my work today"
assert f"{contact.due_date:%Y-%m-%d}" in today and "minutes ago" in today, "event's age"
open_items = WorklistItem.objects.filter(status__in=OPEN_STATUSES)  # both demo entities
# Deceased: any date of death on the beneficiary file, also one after the claims' date.
assert not open_items.filter(beneficiary__death_date__isnull=False).exists(), "deceased"
assert not open_items.filter(beneficiary__care__no_care_work_reason="hospice").exists(), "hospice"
assert not open_items.filter(beneficiary__care__aligned=False).exists(), "not aligned"
assert not open_items.filter(beneficiary__care__isnull=True).exists(), "no care profile"
# Quality: both entities' measures computed at load, the ACO's QRDA III and CAHPS files, and
# its computed quality score taken by a settlement version whose explanation shows the path.
from quality.models import MeasureRun, ReportedFile
from settlement.models import SettlementRun
for cms_id in ("A9901", "D9902"):
    assert MeasureRun.objects.filter(entity__cms_id=cms_id, performance_year=2025).exists(), cms_id
assert ReportedFile.objects.filter(entity=entity, kind__in=("qrda3", "cahps")).count() == 2, "QRDA III and CAHPS files"
assert ReportedFile.objects.filter(entity=dce, kind="cahps").exists(), "DCE's CAHPS file"
quality = analyst.get(reverse("quality:overview", args=[entity.pk]) + "?year=2025").content.decode()
assert "Settlement uses: score" in quality and "computed here" in quality, "quality score"
# Two EHRs' patient-level results: the ACO-level rate beside the QRDA III aggregate, and care
# gaps that name their measure and the day they close, in the roster's gap count.
assert ReportedFile.objects.filter(entity=entity, kind="fhir_mr").count() == 2, "MeasureReports"
assert "the ACO-level rate from patient-level results" in quality, "patient-level rates"
from care.models import CareGap
measure_gap = CareGap.objects.filter(entity=entity, gap="measure_134").first()
assert measure_gap is not None and measure_gap.closes_on is not None, "measure gap"
assert measure_gap.beneficiary.care.open_gap_count >= 1, "measure gap counted"
final = SettlementRun.objects.filter(entity=entity, performance_year=2025, kind="final").latest("version")
assert any(step["label"] == "Quality path" for step in final.explanation), "quality path"
print("pages ok")
"""

# The demo looks like a real entity (docs/benchmarks.md, "The demo's figures"): each check holds
# one of the ranges stated there.
CHECK_CALIBRATION = """
from datetime import timedelta
from decimal import Decimal
from statistics import mean
from django.db.models import Count
from benchmarks.models import BenchmarkYearPopulation, RiskScore
from beneficiaries.models import Beneficiary
from care.models import OPEN_STATUSES, CareProfile, CareSummary, ItemKind, WorklistItem
from claims.models import PartBPhysicianLine
from settlement.models import SettlementKind, SettlementRun

from django.db.models import Max, Sum
from claims.models import PartAClaimHeader, PartBDmeLine

# Spending per beneficiary-month by Medicare enrollment type over the last full delivery year
# (2024, claims through the delivery's last service day), against fee-for-service Medicare's.
SPENDING_RANGES = {"esrd": (6000, 10000), "disabled": (850, 1500),
                   "aged_dual": (1300, 2400), "aged_nondual": (800, 1200)}


def enrollment_type(status, dual):
    if status in ("11", "21", "31"):
        return "esrd"
    if status == "20":
        return "disabled"
    return "aged_dual" if dual not in ("", "NA", "00") else "aged_nondual"


figures, problems = {}, []
for cms_id in ("A9901", "D9902"):
    lines = PartBPhysicianLine.objects.filter(entity__cms_id=cms_id, clm_thru_dt__year=2024)
    last = lines.aggregate(last=Max("clm_thru_dt"))["last"]
    start = last.replace(month=1, day=1)
    paid = {}
    for model, amount in ((PartAClaimHeader, "clm_pmt_amt"), (PartBPhysicianLine, "clm_line_cvrd_pd_amt"),
                          (PartBDmeLine, "clm_line_cvrd_pd_amt")):
        rows = (model.objects.filter(entity__cms_id=cms_id, clm_thru_dt__year=2024, clm_adjsmt_type_cd="0")
                .values_list("mbi__beneficiary_id").annotate(total=Sum(amount)))
        for bene, total in rows:
            paid[bene] = paid.get(bene, 0) + float(total or 0)
    spend, months = {}, {}
    for bene, status, dual, death in Beneficiary.objects.filter(entity__cms_id=cms_id).values_list(
            "pk", "medicare_status_code", "dual_status_code", "death_date"):
        if death is not None and death < start:
            continue
        end = min(death, last) if death is not None else last
        kind = enrollment_type(status, dual)
        spend[kind] = spend.get(kind, 0) + paid.get(bene, 0)
        months[kind] = months.get(kind, 0) + ((end - start).days + 1) / 30.4375
    pbpm = {kind: round(spend[kind] / months[kind]) for kind in spend}
    figures[cms_id, "spending per beneficiary-month 2024"] = pbpm
    for kind, (low, high) in SPENDING_RANGES.items():
        if not low <= pbpm.get(kind, 0) <= high:
            problems.append((cms_id, kind, pbpm.get(kind)))
    if not pbpm["aged_dual"] > 1.3 * pbpm["aged_nondual"]:
        problems.append((cms_id, "dual against non-dual", pbpm))
    # Savings rates where CMS's published performance-year results put most entities: the
    # projection and the final settlement alike.
    runs = SettlementRun.objects.filter(entity__cms_id=cms_id, performance_year=2025)
    assert {r.kind for r in runs} == {SettlementKind.PROJECTION, SettlementKind.FINAL}, cms_id
    for run in runs:
        rate = Decimal(run.figures["savings_rate_pct"])
        figures[cms_id, run.kind, "savings rate"] = str(rate)
        if not Decimal(-5) <= rate <= Decimal(10):
            problems.append((cms_id, run.kind, rate))
# The coordinator's tasks: a few overdue, most due in the weeks after the data date.
from accounts.models import User
coordinator = User.objects.get(email="coordinator@valley.demo")
as_of = CareSummary.objects.filter(entity__cms_id="A9901").latest("as_of").as_of
mine = list(WorklistItem.objects.filter(  # the claims' tasks (a hospital feed's are due from today)
    assigned_to=coordinator, status__in=OPEN_STATUSES, due_date__isnull=False,
    kind__in=(ItemKind.DISCHARGE_FOLLOW_UP, ItemKind.ED_VISIT, ItemKind.SNF_ADMISSION),
).values_list("due_date", flat=True))
overdue = sum(d < as_of for d in mine)
figures["coordinator's open tasks, overdue"] = (len(mine), overdue)
if not (mine and 1 <= overdue <= len(mine) // 2
        and all(as_of - timedelta(days=62) <= d <= as_of + timedelta(days=62) for d in mine)):
    problems.append(("coordinator's due dates", as_of, sorted(mine)[:3], sorted(mine)[-3:]))
print("calibration figures:", figures)
assert not problems, (problems, figures)
for cms_id in ("A9901", "D9902"):
    # Benchmark years built on the entity's population, not a sample of a few dozen.
    sizes = [(p.role, p.size) for p in BenchmarkYearPopulation.objects.filter(
        calculation__entity__cms_id=cms_id).exclude(role="PY")]
    assert sizes and all(size >= 800 for _, size in sizes), (cms_id, sizes)
    # Raw CMS-HCC scores: mean about 1.0, a right tail past the 2.0 "High" cut-off.
    scores = [float(s) for s in RiskScore.objects.filter(
        entity__cms_id=cms_id, payment_year=2026, model_family="cms_hcc"
    ).values_list("raw_score", flat=True)]
    high = sum(s >= 2.0 for s in scores) / len(scores)
    assert 0.8 <= mean(scores) <= 1.2 and 0.04 <= high <= 0.2, (cms_id, mean(scores), high)
    assert CareProfile.objects.filter(entity__cms_id=cms_id, risk_tier="high").exists()
    # At most one annual wellness visit a year per person.
    awv = (PartBPhysicianLine.objects.filter(entity__cms_id=cms_id, clm_line_hcpcs_cd__in=("G0438", "G0439"))
           .values("mbi__beneficiary_id", "clm_thru_dt__year")
           .annotate(n=Count("clm_cntl_num", distinct=True)).filter(n__gt=1))
    assert not awv.exists(), (cms_id, list(awv[:3]))
    # Depression screening on claims for most people: its gap open for some, not everyone.
    from care.models import CareGap
    gaps = CareGap.objects.filter(entity__cms_id=cms_id)
    with_gap = gaps.values("beneficiary").distinct().count()
    depression = gaps.filter(gap="depression_screening").count()
    assert 0.2 <= depression / with_gap <= 0.6, (cms_id, depression, with_gap)
    # The list's hospitals: the share paid outside the network is plausible, not nearly all.
    from specialists.models import LeadSpecialistRun
    leakage = LeadSpecialistRun.objects.filter(entity__cms_id=cms_id, status="succeeded").latest("created_at").leakage
    outside = leakage["outside_cents"] / leakage["total_cents"]
    assert 0.25 <= outside <= 0.55, (cms_id, outside)
    print("depression screening gaps", cms_id, depression, "of", with_gap, "; outside the network", round(outside, 3))
    # Names and homes that can be told apart.
    people = Beneficiary.objects.filter(entity__cms_id=cms_id)
    names = set(people.values_list("first_name", "last_name"))
    assert len(names) >= 0.9 * people.count(), (cms_id, len(names))
    assert people.values("zip_code").distinct().count() >= 10, cms_id
    # Claims tasks due near the care data date, not a year overdue.
    as_of = CareSummary.objects.filter(entity__cms_id=cms_id).latest("as_of").as_of
    claims_kinds = (ItemKind.DISCHARGE_FOLLOW_UP, ItemKind.ED_VISIT, ItemKind.AWV_DUE,
                    ItemKind.ALIGNMENT_RISK, ItemKind.SNF_ADMISSION)
    due = WorklistItem.objects.filter(entity__cms_id=cms_id, kind__in=claims_kinds,
                                      status__in=OPEN_STATUSES).values_list("due_date", flat=True)
    assert due and all(abs(d - as_of) <= timedelta(days=62) for d in due), (cms_id, as_of, min(due))
# Readmission rates near Medicare's (about 15 per 100 index stays), not about 1%.
from quality.models import MeasureResult
for code in ("479", "ACR"):
    result = MeasureResult.objects.filter(code=code, run__performance_year=2025).latest("run__created_at")
    assert 8 <= result.rate <= 25, (code, result.rate)
    print("readmission rate", code, result.rate)
print("calibration ok")
"""


@pytest.mark.demo
def test_load_demo_works_on_the_embedded_sqlite_database(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env.pop("JOBS_DISPATCH", None)

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, done.stderr[-4000:]
        return done.stdout

    # Without the system checks, which tests/core/test_settings.py runs: migrate's would import
    # every page's module only to check the URLs (load_demo runs the models' checks).
    manage("migrate", "--noinput", "-v0", "--skip-checks")
    output = manage("load_demo")
    assert "coordinator@valley.demo" in output
    # A second `make run` keeps what is there and does not redo the heavy steps.
    again = manage("load_demo")
    assert "care: mssp already refreshed as of" in again
    assert "0 new" in again
    # Both checks in one process: Django starts once (seconds of the suite's time).
    checked = manage("shell", "-c", CHECK_PAGES + CHECK_CALIBRATION)
    assert "pages ok" in checked
    assert "calibration ok" in checked
    print(*(line for line in checked.splitlines() if line.startswith("calibration figures")))
