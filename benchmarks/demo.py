"""Demo data for benchmarks: reference values, a claims history long enough for the benchmark
years, risk scores and one stored benchmark for each demo entity, and the DCE's High Needs
eligibility.

The benchmark needs claims in every benchmark year and the performance year (MSSP A9901: agreement
from 2024, so 2021-2023 and PY2025; REACH D9902: 2017-2019 and PY2025), plus the year before each
for prospective risk scores, and the claims the alignment engine reads to find each benchmark
year's population with the current participant list (MSSP under preliminary prospective
assignment: the benchmark year itself; REACH: the two July-June alignment years before each base
year, so from July 2014). Office visits are billed by the entity's current participants (most
beneficiaries) or by a practice outside the entity (about one in seven), so the engine aligns
most, not all, of them. The claims demo loads recent years only; for each year that has no
delivery yet, this adds a small synthetic one (CCLF8 rows and final-action claims, seeded) for the
entity's beneficiaries, creating a few synthetic beneficiaries when the entity has none. All
values are synthetic and the reference values are marked "demo". Idempotent: a second run adds
nothing.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max

from benchmarks.models import BenchmarkCalculation, HighNeedsRun, ReferenceDataset, RiskScore
from benchmarks.services.calculations import benchmark_calculate
from benchmarks.services.high_needs import high_needs_compute
from benchmarks.services.inputs import ClaimsData
from benchmarks.services.reference import reference_dataset_upload, reference_defaults_load
from benchmarks.services.risk import risk_scores_compute
from claims.selectors import final_action_claims_read_once, final_action_reads_forget

DEMO_PY = 2025
DEMO_SOURCE = "OpenVBC demo values (synthetic, not from CMS)"
MSSP_YEARS = (2020, 2021, 2022, 2023, 2024, 2025)
REACH_YEARS = (2014, 2015, 2016, 2017, 2018, 2019, 2024, 2025)
REACH_BENCHMARK_YEARS = (2017, 2018, 2019)
# A practice outside both demo entities' participant lists (a competitor in the alignment engine).
OUTSIDE_TIN, OUTSIDE_NPI = "990999991", "1999999993"
BENEFICIARIES = 48  # made when the entity has no beneficiaries of its own (no claims demo)
TYPES = ("esrd", "disabled", "aged_dual", "aged_nondual")
STATUS = {"esrd": "31", "disabled": "20", "aged_dual": "10", "aged_nondual": "10"}
# Cost scale by enrollment type, so per capitas look like FFS Medicare's shape.
SCALE = {
    "esrd": Decimal("2.2"),
    "disabled": Decimal("1.1"),
    "aged_dual": Decimal("1.8"),
    "aged_nondual": Decimal(1),
}
# The benchmark years of the people the claims demo loaded are their own last full delivery year
# brought back in time: spending divided by the demo reference trend from each year to the
# performance year, times SAVINGS_MARGIN, so that the finished benchmark sits a few percent above
# the performance year's spending, where CMS's published MSSP and ACO REACH performance-year
# results put most entities (docs/benchmarks.md, "The demo's figures"). The margins are under or
# near 1 because the regional adjustment (MSSP) or blend (REACH) and the risk ratio lift the
# benchmark by several percent on top of the trend, and the final settlement reads claims through
# late November only: the projection comes out about ten points under the final, so both sit
# inside -5% to +10% only with the projection near -2.5% and the final near +7.5%.
#
# The ACO's margin follows who its performance-year population is. Its roster of record is CMS's
# list, which assigns (as the alignment engine does) only people with a primary care service:
# 1,220 people at $11,633 per person-year over months 1-8 of 2025. The margin 0.87 was set on an
# earlier synthetic list that assigned everyone the planted exclusions left (1,390 people, 170 of
# them with no primary care service at $3,955 per person-year: $10,697 in all). The benchmark
# years still hold everyone with spending (each gets an office visit here), and the risk ratio is
# at its cap, so the benchmark did not follow the 8.7% rise in spending per person-year and the
# projection fell to -9.5%. 0.935 puts it back: projection -2.4%, final +7.2%. (The people on
# the list and not in the platform's run, 74 at $3,086 per person-year, pull the other way.)
TREND_TO_PY = {
    # MSSP: BY1 and BY2 to BY3 (trend_by*_to_by3), then BY3 to PY2025 (national_growth_factor).
    "mssp": {2021: 1.092 * 1.081, 2022: 1.047 * 1.081, 2023: 1.081},
    # ACO REACH: the adjusted USPCC trend of each benchmark year to PY2025 (trend_factor_by*).
    "reach": {2017: 1.36, 2018: 1.31, 2019: 1.26},
}
# The margins were then raised from 0.935 and 1.02 when ESRD, dual-eligible and disabled
# beneficiaries were given the spending of their enrollment types (synthetic.cclf.EXTRA_CARE):
# their per capitas came up to the regional references, so the ACO's positive regional
# adjustments of those types (capped at 5% of the national per capita, 42 CFR 425.656) shrank,
# by an estimated two points of savings; the DCE's blend adjustment is capped at 3% of the
# adjusted USPCC either way, so it moved by about half a point. Estimated, not yet measured on
# a full load: tests/core/test_demo_on_sqlite.py holds the rates inside -5% to +10%. Measured
# at 0.955: the ACO's projection -2.5%, final +7.8%. The ACO's margin was then lowered to 0.943
# when its hospitals joined its participant list (synthetic/demo/entities.py): the FQHC and RHC
# claims (bill types 77x, 71x) the synthetic deliveries put at its facilities became its
# participants' primary care services, so 14 more people were assigned and, at 0.955, the
# projection rose to -1.2% and the final to +8.9%.
SAVINGS_MARGIN = {"mssp": 0.943, "reach": 1.025}
CONDITIONS = ["E1122", "I5022", "J449", "N184", "I4891", "E119", "G309", "F200", "C3490", "I10"]

MSSP_NATIONAL = """name,segment,value,status,note
normalization_factor_by1,,1.015,demo,
normalization_factor_by2,,1.020,demo,
normalization_factor_by3,,1.030,demo,
normalization_factor_py,,1.045,demo,
national_per_capita_by3,esrd,92000,demo,
national_per_capita_by3,disabled,12800,demo,
national_per_capita_by3,aged_dual,21500,demo,
national_per_capita_by3,aged_nondual,11600,demo,
national_growth_factor,,1.081,demo,national FFS growth 2023 to 2025
acpt_factor,,1.094107,demo,"ACPT of 2024 starters compounded: 4.9% (2023-24, revised) x 4.3% (2024-25), domain.md 2.9"
completion_factor_month_10,,1.02,demo,
completion_factor_month_11,,1.06,demo,
completion_factor_month_12,,1.15,demo,
"""
MSSP_ENTITY = """name,segment,value,status,note
trend_by1_to_by3,,1.092,demo,
trend_by2_to_by3,,1.047,demo,
regional_per_capita_by3,esrd,95000,demo,
regional_per_capita_by3,disabled,13600,demo,
regional_per_capita_by3,aged_dual,23500,demo,
regional_per_capita_by3,aged_nondual,12400,demo,
regional_growth_factor,,1.086,demo,
regional_penetration,,0.18,demo,
"""
REACH_NATIONAL = """name,segment,value,status,note
normalization_factor_by1,,1.000,demo,
normalization_factor_by2,,1.005,demo,
normalization_factor_by3,,1.010,demo,
normalization_factor_py,,1.045,demo,
trend_factor_by1,,1.36,demo,adjusted USPCC trend 2017 to 2025
trend_factor_by2,,1.31,demo,
trend_factor_by3,,1.26,demo,
coding_intensity_factor,,0.01,demo,
adjusted_uspcc,aged_disabled,1150,demo,
adjusted_uspcc,esrd,8200,demo,
completion_factor_month_10,,1.02,demo,
completion_factor_month_11,,1.06,demo,
completion_factor_month_12,,1.15,demo,
"""
REACH_ENTITY = """name,segment,value,status,note
reference_year_risk_score,aged_disabled,1.02,demo,
reference_year_risk_score,esrd,1.00,demo,
regional_rate,aged_disabled,1180,demo,
regional_rate,esrd,8400,demo,
heba_top_decile_months,aged_disabled,60,demo,
heba_bottom_deciles_months,aged_disabled,180,demo,
"""


def _thresholds() -> str:
    lines = ["name,segment,value,status,note"]
    for etype, value in (
        ("esrd", 420000),
        ("disabled", 140000),
        ("aged_dual", 160000),
        ("aged_nondual", 120000),
    ):
        lines.append(f"truncation_threshold,{etype},{value},demo,")
    return "\n".join(lines) + "\n"


def _upload(program: Any, year: int, entity: Any, text: str, name: str) -> None:
    if ReferenceDataset.objects.filter(
        program=program, year=year, entity=entity, file_name=name
    ).exists():
        return
    reference_dataset_upload(
        program=program,
        year=year,
        entity=entity,
        source=DEMO_SOURCE,
        file_name=name,
        content=text.encode(),
        user=None,
    )


def _enrollment_type(bene: Any) -> str:
    status = bene.medicare_status_code
    if status in ("11", "21", "31"):
        return "esrd"
    if status == "20":
        return "disabled"
    return "aged_dual" if bene.dual_status_code not in ("", "NA", "00") else "aged_nondual"


class _Claims:
    """Seeded synthetic CCLF rows for the years an entity lacks (bulk inserts, portable SQL)."""

    def __init__(self, entity: Any, seed: int) -> None:
        from claims.models import PartAClaimHeader, PartBDmeLine, PartBPhysicianLine

        self.entity = entity
        self.rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not security
        # Claim ids are unique across the Part A, B and DME files: start after the largest.
        last = max(
            (
                model.objects.aggregate(top=Max("cur_clm_uniq_id"))["top"] or 0
                for model in (PartAClaimHeader, PartBPhysicianLine, PartBDmeLine)
            ),
            default=0,
        )
        self.next_claim = max(int(last) + 1, 90_000_000_000)
        self.rows: dict[str, list[Any]] = {}
        self.profiles: dict[int, tuple[Decimal, list[str]]] = {}
        self.line = 0
        self.clinicians = self._clinicians()

    def _clinicians(self) -> list[tuple[str, str, str]]:
        """(TIN, NPI, specialty) of the entity's primary care participants on Jan 1 of the demo
        performance year: the current participant list the benchmark years are aligned with."""
        from entities.choices import ParticipationRole, ProviderClass
        from entities.selectors import participations_overlapping

        day = date(DEMO_PY, 1, 1)
        rows = (
            participations_overlapping(
                entity=self.entity, start=day, end=day, roles=(ParticipationRole.PARTICIPANT,)
            )
            .filter(
                provider__isnull=False,
                provider__specialty__provider_class=ProviderClass.PRIMARY_CARE_PHYSICIAN,
            )
            .values_list("organization__tin", "provider__npi", "provider__specialty__code")
        )
        return sorted(set(rows))

    def _biller(self, bene: Any, index: int) -> tuple[str, str, str]:
        """Who bills a beneficiary's office visits: one of the participants, or (one in seven,
        or when the entity has no participants yet) the outside practice."""
        if index % 7 == 3 or not self.clinicians:
            return OUTSIDE_TIN, OUTSIDE_NPI, "08"
        return self.clinicians[bene.pk % len(self.clinicians)]

    def _claim_id(self) -> int:
        self.next_claim += 1
        return self.next_claim

    def beneficiaries(self, first_year: int) -> list[Any]:
        """Who gets the synthetic history: a sample of the entity's beneficiaries entitled to
        Parts A and B from `first_year` (alive in the performance year), and new synthetic
        beneficiaries for each enrollment type the sample lacks, since the benchmark needs every
        type of the performance year in every benchmark year."""
        from beneficiaries.models import Beneficiary

        start = date(first_year, 1, 1)
        self.profiles = self._profiles()
        if self.profiles:
            # The claims demo's population: everyone alive in the performance year, each from
            # the year they were entitled to Parts A and B (add_year skips the years before).
            everyone = (
                Beneficiary.objects.for_entity(self.entity)
                .filter(merged_into__isnull=True, pk__in=list(self.profiles))
                .exclude(death_date__lt=date(DEMO_PY, 1, 1))
                .order_by("pk")
            )
            return list(everyone)
        existing = list(
            Beneficiary.objects.for_entity(self.entity)
            .filter(merged_into__isnull=True, part_a_start__lte=start, part_b_start__lte=start)
            .exclude(death_date__lt=date(DEMO_PY, 1, 1))
            .order_by("pk")
        )
        by_type: dict[str, list[Any]] = {}
        for bene in existing:
            by_type.setdefault(_enrollment_type(bene), []).append(bene)
        sample: list[Any] = []
        while len(sample) < min(BENEFICIARIES, len(existing)):
            for group in by_type.values():  # round-robin keeps every type present
                if group and len(sample) < BENEFICIARIES:
                    sample.append(group.pop(0))
        present = {_enrollment_type(b) for b in sample}
        if not sample:
            plan = (
                [TYPES[0]] * 3 + [TYPES[1]] * 5 + [TYPES[2]] * 8 + [TYPES[3]] * (BENEFICIARIES - 16)
            )
        else:
            plan = [t for t in TYPES if t not in present for _ in range(4)]
        return sample + [self._new_beneficiary(i, etype) for i, etype in enumerate(plan)]

    def _profiles(self) -> dict[int, tuple[Decimal, list[str]]]:
        """Each beneficiary's paid amount and the diagnoses that map to a CMS-HCC in the last full
        year the claims demo delivered (DEMO_PY - 1): original claims only. Empty without it."""
        from django.db.models import Sum

        from benchmarks.engine.risk import V24, V28, _processor
        from claims.models import PartAClaimHeader, PartBPhysicianLine

        year = DEMO_PY - 1
        mapping = _processor(V28, DEMO_PY + 1).dx_to_cc_mapping
        chronic = {dx for dx, model in mapping if model in (V24, V28)}
        spend: dict[int, Decimal] = {}
        for model, amount in (
            (PartAClaimHeader, "clm_pmt_amt"),
            (PartBPhysicianLine, "clm_line_cvrd_pd_amt"),
        ):
            rows = (
                model.objects.filter(
                    entity=self.entity, clm_thru_dt__year=year, clm_adjsmt_type_cd="0"
                )
                .values_list("mbi__beneficiary_id")
                .annotate(total=Sum(amount))
            )
            for bene, total in rows:
                spend[bene] = spend.get(bene, Decimal(0)) + (total or Decimal(0))
        coded: dict[int, set[str]] = {}
        lines = (
            PartBPhysicianLine.objects.filter(entity=self.entity, clm_thru_dt__year=year)
            .values_list("mbi__beneficiary_id", "clm_dgns_1_cd", "clm_dgns_2_cd")
            .distinct()
        )
        for bene, *codes in lines:
            coded.setdefault(bene, set()).update(code for code in codes if code in chronic)
        return {bene: (total, sorted(coded.get(bene, ()))) for bene, total in spend.items()}

    def _new_beneficiary(self, i: int, etype: str) -> Any:
        from beneficiaries.models import Beneficiary, BeneficiaryMbi

        age = self.rng.randint(66, 92) if etype.startswith("aged") else self.rng.randint(38, 63)
        prefix = 5 if self.entity.cms_id.startswith("A") else 6
        letters = "ACDEFGHJKMNPQRTUVWXY"
        mbi = f"{prefix}{letters[i % 20]}{letters[(i // 20) % 20]}{i % 10}TE{(i // 10) % 10}MK{i % 100:02d}"
        dual = "02" if etype == "aged_dual" or (etype == "disabled" and i % 2) else "NA"
        bene = Beneficiary.objects.create(
            entity=self.entity,
            current_mbi=mbi,
            first_name=self.rng.choice(
                ["Ada", "Ben", "Cora", "Dov", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo"]
            ),
            last_name=f"Demo{i + 1:03d}",
            birth_date=date(DEMO_PY - age, self.rng.randint(1, 12), self.rng.randint(1, 28)),
            sex_code=self.rng.choice("12"),
            medicare_status_code=STATUS[etype],
            dual_status_code=dual,
            original_entitlement_code={"esrd": "2", "disabled": "1"}.get(etype, "0"),
            part_a_start=date(2000, 1, 1),
            part_b_start=date(2000, 1, 1),
            # Two deaths in the performance year show person-years running to death.
            death_date=date(DEMO_PY, 7, 14) if i in (20, 33) else None,
        )
        BeneficiaryMbi.objects.create(
            entity=self.entity, mbi=mbi, beneficiary=bene, first_seen_on=date(2016, 1, 1)
        )
        return bene

    def add_year(self, year: int, benes: list[Any], reductions: bool) -> None:
        from beneficiaries.models import BeneficiaryDemographics, BeneficiaryMbi
        from claims.models import Delivery, DeliveryFile

        delivery = Delivery.objects.create(
            entity=self.entity,
            name=f"P.{self.entity.cms_id}.DEMO.Y{year}",
            program_prefix=self.entity.cms_id[0],
            kind="regular",
            performance_year=year,
            delivered_at=datetime(year, 12, 31, 12, 0, tzinfo=UTC)
            if year < DEMO_PY
            else datetime(DEMO_PY, 12, 1, tzinfo=UTC),
            sha256=f"demo{year}{self.entity.cms_id}".ljust(64, "0"),
            status="loaded",
        )
        files = {
            code: DeliveryFile.objects.create(
                delivery=delivery, file_code=code, name=f"demo {code}"
            )
            for code in ("CCLF1", "CCLF2", "CCLF4", "CCLF5", "CCLF6", "CCLF8", "CCLFA", "CCLFB")
        }
        mbis = {m.beneficiary_id: m for m in BeneficiaryMbi.objects.filter(beneficiary__in=benes)}
        self.rows = {code: [] for code in files}
        # In the performance year, claims run out to November (a year-to-date view).
        last_month = 11 if year == DEMO_PY else 12
        for index, bene in enumerate(benes):
            mbi = mbis[bene.pk]
            if bene.pk in self.profiles and not _entitled(bene, year):
                continue
            self.rows["CCLF8"].append(
                _Row(
                    BeneficiaryDemographics,
                    **self._lineage(delivery, files, "CCLF8"),
                    mbi=mbi,
                    beneficiary=bene,
                )
            )
            if bene.pk in self.profiles:
                self._history_for(bene, mbi, index, year, (delivery, files), reductions)
            else:
                self._claims_for(bene, mbi, index, year, last_month, delivery, files, reductions)
        self._flush()

    def _history_for(
        self, bene: Any, mbi: Any, index: int, year: int, where: tuple[Any, Any], reductions: bool
    ) -> None:
        """One year of a claims-demo beneficiary's history, in few rows: their chronic diagnoses
        (each coded in 85% of years) on an office visit with their primary care clinician (what
        alignment and the risk score read); in a benchmark year also their spending, brought back
        by TREND_TO_PY, on that line and one institutional claim."""

        delivery, files = where
        spend, conditions = self.profiles[bene.pk]
        rng = random.Random(f"{self.entity.cms_id}-{bene.pk}-{year}")  # noqa: S311 - demo data
        coded = [dx for dx in conditions if rng.random() < 0.85] or ["Z0000"]
        program = self.entity.program.code
        trend = TREND_TO_PY.get(program, {}).get(year)
        visit = Decimal(str(round(rng.uniform(110, 190), 2)))
        total = (
            spend
            * Decimal(str(round(SAVINGS_MARGIN[program] / trend * rng.lognormvariate(0, 0.2), 4)))
            if trend
            else visit
        ).quantize(Decimal("0.01"))
        tin, npi, specialty = self._biller(bene, index)
        # One professional line: the office visit, carrying the year's professional spending (a
        # third of the total) in a benchmark year. One biller per person, so alignment's
        # plurality is the same as with the services apart.
        part_b = max((total * Decimal("0.35")).quantize(Decimal("0.01")), visit) if trend else visit
        thru = date(year, rng.randint(1, 12), rng.randint(1, 28))
        self._office_visit(
            (delivery, files), mbi, thru, ("99214", part_b), coded, (tin, npi, specialty),
            reduce=reductions and rng.random() < 0.4,
        )  # fmt: skip
        institutional = total - part_b
        if not trend or institutional <= 0:
            return
        esrd = _enrollment_type(bene) == "esrd"
        inpatient = not esrd and rng.random() < 0.15
        claim_type, bill = ("60", "111") if inpatient else ("40", "721" if esrd else "131")
        thru = date(year, rng.randint(1, 12), rng.randint(1, 28))
        claim = self._claim_id()
        share = Decimal("0.04") if inpatient and index % 2 == 0 else Decimal(0)
        dsh = (institutional * share).quantize(Decimal("0.01"))
        self._institutional(
            (delivery, files), mbi, claim, thru, (claim_type, bill), coded[0], index,
            (institutional, Decimal(0), dsh, (institutional * share / 2).quantize(Decimal("0.01"))),
        )  # fmt: skip
        if reductions and claim_type == "40" and rng.random() < 0.3:
            self._pbp_reduction(delivery, files, mbi, claim, institutional)

    def _pbp_reduction(
        self, delivery: Any, files: dict[str, Any], mbi: str, claim: int, paid: Decimal
    ) -> None:
        """A REACH PBP reduction (CCLFA) of 5% of an outpatient claim's payment."""
        from claims.models import PartABeDemo

        self.rows["CCLFA"].append(
            _Row(
                PartABeDemo,
                **self._lineage(delivery, files, "CCLFA"),
                mbi=mbi,
                cur_clm_uniq_id=claim,
                row_seq=1,
                clm_pbp_rdctn_amt=(paid * Decimal("0.05")).quantize(Decimal("0.01")),
            )
        )

    def _lineage(self, delivery: Any, files: dict[str, Any], code: str) -> dict[str, Any]:
        self.line += 1
        return {
            "entity": self.entity,
            "delivery": delivery,
            "source_file": files[code],
            "source_line": self.line,
            "delivered_on": delivery.delivered_at.date(),
        }

    def _claims_for(
        self,
        bene: Any,
        mbi: Any,
        index: int,
        year: int,
        last_month: int,
        delivery: Any,
        files: Any,
        reductions: bool,
    ) -> None:
        from claims.models import (
            PartADiagnosis,
            PartARevenueCenter,
            PartBDmeLine,
        )

        rng = random.Random(f"{self.entity.cms_id}-{bene.pk}-{year}")  # noqa: S311 - demo data
        etype = _enrollment_type(bene)
        scale = SCALE[etype]
        conditions = random.Random(f"{self.entity.cms_id}-{bene.pk}").sample(  # noqa: S311
            CONDITIONS, k=index % 4
        )
        if etype == "esrd":
            conditions = ["N186", *conditions]
        # Each chronic condition is coded in 85% of years: the others show up as recapture gaps.
        coded = [dx for dx in conditions if rng.random() < 0.85] or ["Z0000"]
        died = bene.death_date.month if bene.death_date and bene.death_date.year == year else 12
        months = list(range(1, min(last_month, died) + 1))

        def money(low: float, high: float) -> Decimal:
            return (Decimal(str(round(rng.uniform(low, high), 2))) * scale).quantize(
                Decimal("0.01")
            )

        def when() -> date:
            return date(year, rng.choice(months), rng.randint(1, 28))

        tin, npi, specialty = self._biller(bene, index)
        for _ in range(rng.randint(6, 12)):
            thru = when()
            paid = money(90, 260)
            code = rng.choice(["99213", "99214", "99215", "99396"])
            self._office_visit(
                (delivery, files), mbi, thru, (code, paid), coded, (tin, npi, specialty),
                reduce=reductions and rng.random() < 0.4,
            )  # fmt: skip
        part_a = [("40", "131", 1000, 2200, ("99213",))] * rng.randint(0, 2)
        if etype == "esrd":
            part_a += [("40", "721", 3500, 5200, ("90999",))] * len(months)  # monthly dialysis
        if rng.random() < 0.3:
            part_a.append(("60", "111", 9000, 30000, ()))
        if rng.random() < 0.08:
            part_a.append(("20", "211", 6000, 18000, ()))
        if rng.random() < 0.08:
            part_a.append(("10", "321", 2500, 6000, ()))
        if index % 17 == 5 and rng.random() < 0.5:
            part_a.append(("50", "811", 4000, 9000, ()))
        for claim_type, bill, low, high, hcpcs in part_a:
            thru = when()
            claim = self._claim_id()
            # Dialysis is priced per treatment month, whatever the beneficiary's cost scale.
            paid = (
                money(low, high)
                if bill != "721"
                else Decimal(str(round(rng.uniform(low, high), 2)))
            )
            inpatient = claim_type == "60"
            ime = (
                (paid * Decimal("0.06")).quantize(Decimal("0.01"))
                if inpatient and index % 3 == 0
                else Decimal(0)
            )
            dsh = (
                (paid * Decimal("0.04")).quantize(Decimal("0.01"))
                if inpatient and index % 2 == 0
                else Decimal(0)
            )
            uc = (
                (paid * Decimal("0.02")).quantize(Decimal("0.01"))
                if inpatient and index % 2 == 0
                else Decimal(0)
            )
            self._institutional(
                (delivery, files), mbi, claim, thru, (claim_type, bill), coded[0], index,
                (paid, ime, dsh, uc),
            )  # fmt: skip
            for seq, dx in enumerate(coded, start=1):
                self.rows["CCLF4"].append(
                    _Row(
                        PartADiagnosis,
                        **self._lineage(delivery, files, "CCLF4"),
                        mbi=mbi,
                        cur_clm_uniq_id=claim,
                        clm_prod_type_cd="P" if seq == 1 else "D",
                        clm_val_sqnc_num=seq,
                        clm_dgns_cd=dx,
                        clm_thru_dt=thru,
                    )
                )
            for line, code in enumerate(hcpcs, start=1):
                self.rows["CCLF2"].append(
                    _Row(
                        PartARevenueCenter,
                        **self._lineage(delivery, files, "CCLF2"),
                        mbi=mbi,
                        cur_clm_uniq_id=claim,
                        clm_line_num=line,
                        clm_line_hcpcs_cd=code,
                        clm_line_from_dt=thru,
                        clm_thru_dt=thru,
                    )
                )
            if reductions and claim_type == "40" and rng.random() < 0.3:
                self._pbp_reduction(delivery, files, mbi, claim, paid)
        if rng.random() < 0.2:
            thru = when()
            claim = self._claim_id()
            paid = money(150, 1200)
            self.rows["CCLF6"].append(
                _Row(
                    PartBDmeLine,
                    **self._lineage(delivery, files, "CCLF6"),
                    mbi=mbi,
                    cur_clm_uniq_id=claim,
                    clm_line_num=1,
                    clm_cntl_num=f"M{claim}",
                    clm_type_cd="82",
                    clm_from_dt=thru,
                    clm_thru_dt=thru,
                    clm_line_from_dt=thru,
                    clm_line_thru_dt=thru,
                    clm_line_hcpcs_cd="E0601",
                    clm_line_cvrd_pd_amt=paid,
                    clm_line_alowd_chrg_amt=paid,
                    clm_adjsmt_type_cd="0",
                    clm_carr_pmt_dnl_cd="1",
                    clm_idr_ld_dt=thru,
                )
            )

    def _office_visit(
        self,
        where: tuple[Any, Any],
        mbi: Any,
        thru: date,
        service: tuple[str, Decimal],
        coded: list[str],
        biller: tuple[str, str, str],
        *,
        reduce: bool,
    ) -> None:
        """One Part B line (CCLF5) with the beneficiary's coded diagnoses; with `reduce`, a PBP
        reduction of a quarter of its payment (CCLFB)."""
        from claims.models import PartBBeDemo, PartBPhysicianLine

        delivery, files = where
        (hcpcs, paid), (tin, npi, specialty) = service, biller
        claim = self._claim_id()
        self.rows["CCLF5"].append(
            _Row(
                PartBPhysicianLine,
                **self._lineage(delivery, files, "CCLF5"),
                mbi=mbi, cur_clm_uniq_id=claim, clm_line_num=1, clm_cntl_num=f"D{claim}",
                clm_type_cd="71", clm_from_dt=thru, clm_thru_dt=thru, clm_line_from_dt=thru,
                clm_line_thru_dt=thru, clm_line_hcpcs_cd=hcpcs, clm_line_cvrd_pd_amt=paid,
                clm_line_alowd_chrg_amt=paid, clm_adjsmt_type_cd="0", clm_carr_pmt_dnl_cd="1",
                clm_idr_ld_dt=thru, clm_line_dgns_cd=coded[0], clm_rndrg_prvdr_tax_num=tin,
                rndrg_prvdr_npi_num=npi, clm_prvdr_spclty_cd=specialty, clm_pos_cd="11",
                **{f"clm_dgns_{i}_cd": dx for i, dx in enumerate(coded[:12], start=1)},
            )
        )  # fmt: skip
        if reduce:
            self.rows["CCLFB"].append(
                _Row(
                PartBBeDemo,
                    **self._lineage(delivery, files, "CCLFB"), mbi=mbi, cur_clm_uniq_id=claim,
                    clm_line_num=1,
                    clm_pbp_rdctn_amt=(paid * Decimal("0.25")).quantize(Decimal("0.01")),
                )
            )  # fmt: skip

    def _institutional(
        self,
        where: tuple[Any, Any],
        mbi: Any,
        claim: int,
        thru: date,
        kind: tuple[str, str],
        principal: str,
        index: int,
        amounts: tuple[Decimal, Decimal, Decimal, Decimal],
    ) -> None:
        """One Part A claim header (CCLF1): kind (claim type, bill type), amounts (paid, IME,
        DSH, uncompensated care)."""
        from claims.models import PartAClaimHeader

        delivery, files = where
        (claim_type, bill), (paid, ime, dsh, uc) = kind, amounts
        self.rows["CCLF1"].append(
            _Row(
                PartAClaimHeader,
                **self._lineage(delivery, files, "CCLF1"),
                mbi=mbi, cur_clm_uniq_id=claim, clm_type_cd=claim_type, clm_from_dt=thru,
                clm_thru_dt=thru, clm_bill_fac_type_cd=bill[0], clm_bill_clsfctn_cd=bill[1],
                clm_bill_freq_cd=bill[2], clm_pmt_amt=paid, clm_oprtnl_ime_amt=ime,
                clm_oprtnl_dsprprtnt_amt=dsh, clm_hipps_uncompd_care_amt=uc,
                clm_adjsmt_type_cd="0", clm_blg_prvdr_oscar_num=f"{10 + index % 5:02d}{index % 10000:04d}",
                prncpl_dgns_cd=principal, clm_idr_ld_dt=thru,
            )
        )  # fmt: skip

    def _flush(self) -> None:
        for objects in self.rows.values():
            if objects:
                _insert(objects)
        self.rows = {}


class _Row:
    """One row for `_insert`: the model's column values by attname, as the model's constructor
    would set them (a related instance gives its pk, a field not given its default), without
    the constructor's per-row cost over the synthetic history's hundred thousand rows."""

    __slots__ = ("model", "values")
    _fields: dict[Any, list[tuple[Any, Any, bool]]] = {}

    def __init__(self, model: Any, **given: Any) -> None:
        from django.db import models

        fields = self._fields.get(model)
        if fields is None:
            fields = [
                (f, f.get_default(), f.has_default() and callable(f.default))
                for f in model._meta.concrete_fields
                if not isinstance(f, models.AutoField)
            ]
            self._fields[model] = fields
        values = {}
        for field, default, per_row in fields:
            if field.name in given:
                value = given[field.name]
                if field.is_relation and value is not None:
                    value = value.pk
            elif field.attname in given:
                value = given[field.attname]
            else:
                value = field.get_default() if per_row else default
            values[field.attname] = value
        self.model = model
        self.values = values


def _insert(objects: list[Any]) -> None:
    """The rows of one model in one executemany INSERT, each value adapted as the ORM adapts it
    (`get_db_prep_save`), by a converter chosen once per column: the ORM's bulk_create spent
    most of the synthetic history's time preparing each of its millions of values one by one.
    No signals, as with bulk_create; the database numbers auto primary keys."""
    from django.db import connection, models

    ops = connection.ops

    def converter(field: Any) -> Any:
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            return ops.adapt_datefield_value
        if isinstance(field, models.DecimalField):
            return lambda v: ops.adapt_decimalfield_value(
                v if v is None or isinstance(v, Decimal) else field.to_python(v),
                field.max_digits,
                field.decimal_places,
            )
        if isinstance(field, models.CharField):
            return lambda v: v if v is None or isinstance(v, str) else str(v)
        if isinstance(field, models.IntegerField | models.ForeignKey):
            return lambda v: (
                v if v is None or type(v) is int else field.get_db_prep_save(v, connection)
            )
        return lambda v: field.get_db_prep_save(v, connection)

    model = objects[0].model
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    adapt = [(f.attname, converter(f)) for f in fields]
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({columns}) VALUES ({placeholders})",  # noqa: S608 - the model's own names
            [tuple(fn(obj.values[name]) for name, fn in adapt) for obj in objects],
        )


def _entitled(bene: Any, year: int) -> bool:
    start = date(year, 1, 1)
    return bool(
        bene.part_a_start
        and bene.part_b_start
        and max(bene.part_a_start, bene.part_b_start) <= start
    )


def _claims_history(
    entity: Any, years: tuple[int, ...], *, reductions: bool, seed: int, stdout: Any
) -> None:
    from claims.models import Delivery

    have = set(
        Delivery.objects.for_entity(entity)
        .filter(status="loaded")
        .values_list("performance_year", flat=True)
    )
    missing = [y for y in years if y not in have]
    if not missing:
        return
    builder = _Claims(entity, seed)
    with transaction.atomic():
        benes = builder.beneficiaries(min(missing))
        for year in missing:
            builder.add_year(year, benes, reductions)
    final_action_reads_forget()  # reads kept before these rows do not hold them
    stdout.write(
        f"  {entity.cms_id}: synthetic claims for {', '.join(map(str, missing))} ({len(benes)} beneficiaries)"
    )


def load(*, entities: dict[str, Any], stdout: Any) -> None:
    reference_defaults_load()
    mssp, reach = entities["mssp"], entities["reach"]
    for year in MSSP_YEARS[1:]:
        _upload(mssp.program, year, None, _thresholds(), "demo_thresholds.csv")
    _upload(mssp.program, DEMO_PY, None, MSSP_NATIONAL, "demo_national.csv")
    _upload(mssp.program, DEMO_PY, mssp, MSSP_ENTITY, "demo_entity.csv")
    for year in REACH_BENCHMARK_YEARS:
        _upload(reach.program, year, None, _thresholds(), "demo_thresholds.csv")
    _upload(reach.program, DEMO_PY, None, REACH_NATIONAL, "demo_national.csv")
    _upload(reach.program, DEMO_PY, reach, REACH_ENTITY, "demo_entity.csv")

    _claims_history(mssp, MSSP_YEARS, reductions=False, seed=9901, stdout=stdout)
    _claims_history(reach, REACH_YEARS, reductions=True, seed=9902, stdout=stdout)

    with final_action_claims_read_once():
        _scores_and_benchmarks(((mssp, MSSP_YEARS), (reach, REACH_YEARS)), stdout=stdout)
        _high_needs(reach, stdout=stdout)


def _high_needs(entity: Any, *, stdout: Any) -> None:
    """The DCE's High Needs eligibility at every check date of PY2025 and PY2026 (the years of
    its risk scores), which the entity-type page shows."""
    for year in (DEMO_PY, DEMO_PY + 1):
        if HighNeedsRun.objects.filter(entity=entity, performance_year=year).exists():
            continue
        runs = high_needs_compute(entity=entity, performance_year=year)
        counts = "; ".join(
            f"{run.eligible:,} of {run.population:,} on {run.check_date:%b} 1" for run in runs
        )
        stdout.write(f"  {entity.cms_id}: High Needs eligibility PY{year}: {counts}")


def _scores_and_benchmarks(plan: Any, *, stdout: Any) -> None:
    for entity, years in plan:
        # One read of the entity's claims serves the risk scores and the benchmark.
        data = ClaimsData(entity=entity, years=list(years))
        for payment_year in (DEMO_PY, DEMO_PY + 1):
            if not RiskScore.objects.filter(entity=entity, payment_year=payment_year).exists():
                risk_scores_compute(entity=entity, payment_year=payment_year, data=data)
        if not BenchmarkCalculation.objects.filter(
            entity=entity, performance_year=DEMO_PY
        ).exists():
            calculation = benchmark_calculate(entity=entity, performance_year=DEMO_PY, data=data)
            stdout.write(
                f"  {entity.cms_id}: benchmark PY{DEMO_PY} v{calculation.version} = ${calculation.total:,.2f}"
            )
