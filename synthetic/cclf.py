"""Synthetic CCLF deliveries: realistic, valid, and fast enough for millions of lines.

Everything is drawn with numpy from one seed, beneficiaries in blocks (so memory stays bounded),
and written through the layout-driven writer. Per beneficiary and year, roughly: 9 Part B claims
(about 2.3 lines each, E&M and other services, mostly at the entity's participants), 1.5
outpatient claims, FQHC/RHC visits, some inpatient, SNF, home-health and hospice stays (each with
revenue lines, diagnoses, inpatient procedures), DME, Part D fills. Diagnoses come from a list of
ICD-10 codes that map to CMS-HCCs. About 2% of claims are later cancelled (and most of those
replaced: Part A by an adjustment, Part B by a new original), about 2% denied; some beneficiaries
change MBI (CCLF9) or die (CCLF8). Amounts are in cents, allowed amounts spread log-normally around
a base price per service and paid at about 80% of allowed.

All names and identifiers are synthetic: MBIs follow the CMS format, NPIs carry valid check digits.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from cclf.layouts import DATA_FILE_CODES, layout
from cclf.names import file_name
from cclf.writer import records, summary_file
from synthetic.identifiers import random_mbis, random_npis, random_tin
from synthetic.part_d import part_d_records

# Part B services: (HCPCS, base allowed $, primary care?, place of service)
PART_B_SERVICES = [
    ("99213", 92, True, "11"),
    ("99214", 131, True, "11"),
    ("99215", 184, True, "11"),
    ("99204", 168, True, "11"),
    ("G0439", 133, True, "11"),
    ("99490", 62, True, "11"),
    ("99495", 201, True, "11"),
    ("99308", 88, False, "31"),  # SNF visit: excluded from assignment at POS 31
    ("93000", 17, False, "11"),
    ("36415", 3, False, "11"),
    ("80053", 11, False, "81"),
    ("85025", 8, False, "81"),
    ("71046", 28, False, "22"),
    ("97110", 30, False, "11"),
    ("20610", 60, False, "11"),
    ("J1100", 5, False, "11"),
    ("93306", 210, False, "22"),
    ("99223", 205, False, "21"),
]
# The first line of an office claim: an E&M visit (the first seven services), or, once a year for
# about half the people, the annual wellness visit.
AWV_SERVICE = next(i for i, s in enumerate(PART_B_SERVICES) if s[0] == "G0439")
VISIT_SERVICES = np.array([i for i in range(7) if i != AWV_SERVICE])
AWV_SHARE = 0.55
# Depression screening (MIPS Quality ID 134), reported on the visit's claim with a quality-data
# code line at $0 (G8510 negative screen, G8431 positive screen with a follow-up plan: the codes
# care/engine/value_sets.json counts as screening): most annual wellness visits screen, an office
# visit now and then does. Illustrative shares, about two in three people screened in a year.
DEPRESSION_SCREEN_SHARE = {"awv": 0.85, "visit": 0.08}
DEPRESSION_POSITIVE_SHARE = 0.1
# Chronic conditions that map to CMS-HCCs, with the share of Medicare fee-for-service
# beneficiaries who have each, near the prevalence CMS's Chronic Conditions Warehouse publishes
# (rounded; cancers, strokes and organ failures rarer). Each person's chance of each condition is
# scaled by a frailty drawn once, so conditions cluster: raw CMS-HCC V28 scores average about 1.0
# with a right tail past 2.0, as a fee-for-service population's do (docs/dashboard.md, the demo).
CHRONIC_CONDITIONS = [
    ("E119", 0.14),  # type 2 diabetes
    ("E1122", 0.08),  # type 2 diabetes with kidney disease
    ("I5022", 0.13),  # heart failure
    ("J449", 0.12),  # COPD
    ("I4891", 0.11),  # atrial fibrillation
    ("N184", 0.035),  # chronic kidney disease, stage 4
    ("N185", 0.012),  # chronic kidney disease, stage 5
    ("G309", 0.07),  # Alzheimer's disease
    ("F332", 0.1),  # major depression
    ("F319", 0.015),  # bipolar disorder
    ("F200", 0.008),  # schizophrenia
    ("M069", 0.03),  # rheumatoid arthritis
    ("E6601", 0.05),  # morbid obesity
    ("C50911", 0.025),  # breast cancer
    ("C3490", 0.01),  # lung cancer
    ("C7951", 0.008),  # bone metastases
    ("I639", 0.025),  # cerebral infarction
    ("I214", 0.015),  # acute myocardial infarction
    ("J9611", 0.015),  # chronic respiratory failure
    ("J84112", 0.008),  # pulmonary fibrosis
    ("G35", 0.004),  # multiple sclerosis
    ("L89154", 0.006),  # pressure ulcer
]
# The share of inpatient stays that are readmissions within 30 days of another stay's discharge,
# and their acute principal diagnoses (acute on chronic heart failure, sepsis, pneumonia, acute
# kidney failure, atrial fibrillation): see `_readmissions`.
READMISSION_SHARE = 0.5
READMISSION_DIAGNOSES = ["I5023", "I5033", "A419", "J189", "N179", "I4891"]
# Common ICD-10 codes that map to no CMS-HCC.
OTHER_DIAGNOSES = ["I10", "E785", "M545", "R0789", "Z0000", "J069", "K219", "M1990"]
PCS_PROCEDURES = ["0SR9019", "02703DZ", "0DTJ4ZZ", "0SRC0J9", "5A1955Z"]
DME_SERVICES = [("E0601", 70), ("A7035", 18), ("E1390", 160), ("K0001", 55), ("A4253", 30)]
# Part A claim kinds: (claim type, bill type digits, base paid $, revenue lines, annual rate).
# Payments near fee-for-service Medicare's (an inpatient stay about $20,000 with its professional
# services), so that spending per beneficiary comes to about $1,000 a month, as CMS's per capita
# figures for aged beneficiaries do.
PART_A_KINDS = {
    "outpatient": ("40", "131", 1000, 4, 1.3),
    "fqhc": ("40", "771", 150, 2, 0.35),
    "rhc": ("40", "711", 120, 2, 0.15),
    "inpatient": ("60", "111", 21000, 6, 0.2),
    "snf": ("20", "211", 16000, 3, 0.05),
    "hha": ("10", "322", 3000, 3, 0.08),
    "hospice": ("50", "811", 9000, 2, 0.02),
    # A month of outpatient dialysis at an ESRD facility (bill type 72x, revenue center 0821):
    # about 13 treatments at the ESRD PPS rate. Drawn only for ESRD beneficiaries, by
    # `_extra_care`.
    "dialysis": ("40", "721", 3500, 1, 0.0),
}
# Spending by Medicare enrollment type. Utilization above follows age and conditions only, so
# ESRD, dual-eligible and disabled beneficiaries cost what aged non-dual ones do (the demo's ESRD
# beneficiaries came to about $1,170 a month). Fee-for-service Medicare spends several times more
# on them: about $7,600 a month on a beneficiary on hemodialysis (USRDS 2018 Annual Data Report,
# vol. 2, ch. 9: $90,971 per person-year in 2016), about 1.8 times the aged non-dual figure on an
# aged dual-eligible one and somewhat more on a disabled one (CMS's Shared Savings Program
# county-level expenditure data on assignable beneficiaries, by enrollment type). `_extra_care`
# adds, per year and scaled by the person's utilization, these claims on top of the common
# ones: {enrollment type: {kind: annual rate}}; ESRD beneficiaries also get a dialysis claim for
# each month they are alive.
EXTRA_CARE = {
    "esrd": {"inpatient": 0.8, "outpatient": 1.0},
    "aged_dual": {"inpatient": 0.18, "snf": 0.07, "hha": 0.12, "outpatient": 0.6},
    "disabled": {"inpatient": 0.05, "outpatient": 0.5},
}
# Synthetic names and homes: names drawn from common ones (a first name by sex), a home in one of
# a few real ZIP codes of the beneficiary's state (the FIPS county, ZIP, city), a made-up street.
FEMALE_NAMES = (  # noqa: SIM905 - word lists read better than quoted words
    "MARY PATRICIA LINDA BARBARA ELIZABETH SUSAN MARGARET DOROTHY LISA NANCY KAREN BETTY "
    "HELEN SANDRA DONNA CAROL RUTH SHARON MICHELLE LAURA SARAH KIMBERLY DEBORAH JESSICA SHIRLEY "
    "CYNTHIA ANGELA MELISSA BRENDA AMY ANNA REBECCA VIRGINIA KATHLEEN PAMELA MARTHA DEBRA AMANDA "
    "CAROLYN CHRISTINE MARIE JANET CATHERINE FRANCES ANN JOYCE DIANE ALICE JULIE HEATHER TERESA "
    "DORIS GLORIA EVELYN JEAN CHERYL MILDRED ROSA LUCIA MEI ANITA"
).split()
MALE_NAMES = (  # noqa: SIM905 - word lists read better than quoted words
    "JAMES JOHN ROBERT MICHAEL WILLIAM DAVID RICHARD CHARLES JOSEPH THOMAS CHRISTOPHER DANIEL "
    "PAUL MARK DONALD GEORGE KENNETH STEVEN EDWARD BRIAN RONALD ANTHONY KEVIN JASON GARY TIMOTHY "
    "JOSE LARRY JEFFREY FRANK SCOTT ERIC STEPHEN ANDREW RAYMOND GREGORY JOSHUA JERRY DENNIS WALTER "
    "PATRICK PETER HAROLD DOUGLAS HENRY CARL ARTHUR RYAN ROGER JUAN ALBERT WAYNE RALPH LUIS HIROSHI "
    "SAMUEL FRED VICTOR ERNEST"
).split()
FIRST_NAMES = FEMALE_NAMES + MALE_NAMES
LAST_NAMES = (  # noqa: SIM905 - word lists read better than quoted words
    "SMITH JOHNSON WILLIAMS BROWN JONES GARCIA MILLER DAVIS RODRIGUEZ MARTINEZ HERNANDEZ LOPEZ "
    "GONZALEZ WILSON ANDERSON THOMAS TAYLOR MOORE JACKSON MARTIN LEE PEREZ THOMPSON WHITE HARRIS "
    "SANCHEZ CLARK RAMIREZ LEWIS ROBINSON WALKER YOUNG ALLEN KING WRIGHT SCOTT TORRES NGUYEN HILL "
    "FLORES GREEN ADAMS NELSON BAKER HALL RIVERA CAMPBELL MITCHELL CARTER ROBERTS GOMEZ PHILLIPS "
    "EVANS TURNER DIAZ PARKER CRUZ EDWARDS COLLINS REYES STEWART MORRIS MORALES MURPHY COOK ROGERS "
    "GUTIERREZ ORTIZ MORGAN COOPER PETERSON BAILEY REED KELLY HOWARD RAMOS KIM COX WARD RICHARDSON "
    "WATSON BROOKS CHAVEZ WOOD JAMES BENNETT GRAY MENDOZA RUIZ HUGHES PRICE ALVAREZ CASTILLO "
    "SANDERS PATEL MYERS LONG ROSS FOSTER JIMENEZ POWELL JENKINS PERRY RUSSELL SULLIVAN BELL COLEMAN "
    "BUTLER HENDERSON BARNES GONZALES FISHER VASQUEZ SIMMONS ROMERO JORDAN PATTERSON ALEXANDER "
    "HAMILTON GRAHAM REYNOLDS GRIFFIN WALLACE MORENO WEST COLE HAYES BRYANT HERRERA GIBSON ELLIS "
    "TRAN MEDINA AGUILAR STEVENS MURRAY FORD CASTRO MARSHALL OWENS HARRISON FERNANDEZ MCDONALD "
    "WOODS WASHINGTON KENNEDY WELLS VARGAS HENRY CHEN FREEMAN WEBB TUCKER GUZMAN BURNS CRAWFORD "
    "OLSON SIMPSON PORTER HUNTER GORDON MENDEZ SILVA SHAW SNYDER MASON DIXON MUNOZ HUNT HICKS "
    "HOLMES PALMER WAGNER BLACK ROBERTSON BOYD ROSE STONE SALAZAR FOX WARREN MILLS MEYER RICE "
    "SCHMIDT GARZA DANIELS FERGUSON NICHOLS STEPHENS SOTO WEAVER RYAN GARDNER PAYNE GRANT DUNN"
).split()
# State FIPS -> (USPS code, [(county FIPS, ZIP, city)]).
HOMES = {
    "36": ("NY", [("061", "10025", "NEW YORK"), ("047", "11215", "BROOKLYN"),
                  ("081", "11375", "FOREST HILLS"), ("005", "10467", "BRONX"),
                  ("059", "11550", "HEMPSTEAD"), ("119", "10601", "WHITE PLAINS")]),
    "06": ("CA", [("037", "90026", "LOS ANGELES"), ("073", "92103", "SAN DIEGO"),
                  ("001", "94607", "OAKLAND"), ("085", "95112", "SAN JOSE"),
                  ("067", "95814", "SACRAMENTO"), ("059", "92805", "ANAHEIM")]),
    "12": ("FL", [("086", "33125", "MIAMI"), ("057", "33602", "TAMPA"),
                  ("095", "32801", "ORLANDO"), ("031", "32207", "JACKSONVILLE"),
                  ("099", "33401", "WEST PALM BEACH"), ("103", "33701", "SAINT PETERSBURG")]),
    "48": ("TX", [("201", "77004", "HOUSTON"), ("113", "75201", "DALLAS"),
                  ("453", "78701", "AUSTIN"), ("029", "78205", "SAN ANTONIO"),
                  ("439", "76102", "FORT WORTH"), ("141", "79901", "EL PASO")]),
}  # fmt: skip
STREETS = "OAK MAPLE CEDAR PINE ELM LAKE HILL PARK WASHINGTON MAIN RIVER SUNSET CHURCH MILL".split()  # noqa: SIM905


@dataclass(frozen=True)
class Provider:
    tin: str
    npi: str
    specialty: str


@dataclass
class GeneratorConfig:
    entity_id: str
    year: int
    beneficiaries: int
    seed: int = 1
    participants: Sequence[Provider] = ()
    facilities: Sequence[str] = ()  # participant CCNs
    runout: bool = False
    delivered_at: datetime | None = None
    block: int = 5000
    # Share of beneficiaries who decline data sharing (42 CFR 425.708), each from a date in 2025:
    # a delivery on or after that date leaves them and all their claims out, as CMS does (CCLF
    # Information Packet 2.4.1), and `write_data_sharing_file` lists them. 0: nobody.
    opt_out_rate: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def delivery_time(self) -> datetime:
        if self.delivered_at:
            return self.delivered_at
        # CMS file names carry local, zone-less times; so does the generator.
        if self.runout:
            return datetime(self.year + 1, 3, 16, 12)  # noqa: DTZ001
        return datetime(self.year, 12, 15, 12)  # noqa: DTZ001


def default_participants(
    rng: np.random.Generator, n_tins: int = 12, per_tin: int = 8
) -> list[Provider]:
    """A synthetic participant list: primary care TINs and specialists."""
    npis = random_npis(rng, n_tins * per_tin, first="1")
    specialties = ["01", "08", "11", "38", "50", "97", "06", "13", "29", "39"]
    out = []
    for t in range(n_tins):
        tin = random_tin(rng)
        for k in range(per_tin):
            out.append(
                Provider(tin, npis[t * per_tin + k], specialties[(t + k) % len(specialties)])
            )
    return out


class _Population:
    """The beneficiaries of a delivery: identifiers, demographics, MBI changes, deaths."""

    def __init__(self, cfg: GeneratorConfig, rng: np.random.Generator) -> None:
        n = cfg.beneficiaries
        self.n = n
        # A beneficiary's identity is drawn from the seed and the entity alone, so every year's
        # delivery of the same entity and seed names the same people.
        self.mbi = random_mbis(rng, n)
        self.previous_mbi = random_mbis(rng, n)  # used by the few whose MBI changes
        # Dates are drawn on a fixed calendar, not relative to the delivery year, so that the
        # deliveries of several years agree about who changed MBI or died, and when.
        self.mbi_changed_on = np.where(
            rng.random(n) < 0.015,
            np.datetime64("2023-01-01") + rng.integers(0, 4 * 365, n),
            np.datetime64("NaT"),
        ).astype("datetime64[D]")
        age = np.clip(rng.normal(75, 8, n), 40, 100).astype(int)
        self.dob = (
            np.datetime64(f"{cfg.year}-01-01") - (age * 365.25).astype("timedelta64[D]")
        ) + rng.integers(-180, 180, n).astype("timedelta64[D]")
        self.sex = np.where(rng.random(n) < 0.55, "2", "1")
        self.race = rng.choice(["1", "2", "4", "5", "6"], n, p=[0.78, 0.1, 0.04, 0.06, 0.02])
        self.status = np.where(age < 65, "20", np.where(rng.random(n) < 0.01, "11", "10"))
        self.dual = np.where(rng.random(n) < 0.16, rng.choice(["02", "04", "08"], n), "NA")
        self.death = np.where(
            rng.random(n) < 0.2,
            np.datetime64("2023-01-01") + rng.integers(0, 5 * 365, n),
            np.datetime64("NaT"),
        ).astype("datetime64[D]")
        alive = np.isnat(self.death) | (self.death >= np.datetime64(f"{cfg.year}-01-01"))
        # No claims in a year the beneficiary did not live to see.
        self.utilization = rng.lognormal(0, 0.6, n) * alive
        self.conditions, self.has_conditions = chronic_conditions(rng, age)
        # Sicker people use more care: spending follows the conditions (and so the risk score).
        self.utilization *= 0.5 + 0.3 * self.has_conditions.sum(axis=1)
        self.state = rng.choice(["36", "06", "12", "48"], n)
        self.first_name, self.last_name, self.home = names_and_homes(cfg, self.sex, self.state)

    def current_mbi(self, as_of: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
        """The MBI each beneficiary carries on the delivery date, and whether it changed."""
        changed = ~np.isnat(self.mbi_changed_on) & (self.mbi_changed_on <= as_of)
        before = ~np.isnat(self.mbi_changed_on) & (self.mbi_changed_on > as_of)
        return np.where(before, self.previous_mbi, self.mbi), changed


# Opt-out dates are drawn on a fixed calendar (every year's delivery agrees) in 2025, so that a
# demo with 2024 and 2025 deliveries has the people in its first and withheld from its second.
OPT_OUT_FROM, OPT_OUT_DAYS = np.datetime64("2025-01-01"), 334


def names_and_homes(
    cfg: GeneratorConfig, sex: np.ndarray, state: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Each person's first and last name and home (street line, county FIPS, ZIP, city, USPS
    state), from a generator of their own: the same people in every delivery and CMS list, and
    the rest of the population draws what it drew before."""
    rng = np.random.default_rng([cfg.seed, zlib.crc32(cfg.entity_id.encode()), 8])
    n = len(sex)
    female = np.array(FEMALE_NAMES)[rng.integers(0, len(FEMALE_NAMES), n)]
    male = np.array(MALE_NAMES)[rng.integers(0, len(MALE_NAMES), n)]
    first = np.where(sex == "2", female, male)
    last = np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)]
    pick = rng.integers(0, 6, n)
    home: dict[str, list[str]] = {"county": [], "zip": [], "city": [], "usps": []}
    for code, k in zip(state, pick, strict=True):
        usps, places = HOMES[str(code)]
        county, zip_code, city = places[int(k) % len(places)]
        for key, value in (("county", county), ("zip", zip_code), ("city", city), ("usps", usps)):
            home[key].append(value)
    street = np.char.add(
        np.char.add(rng.integers(10, 9990, n).astype("U5"), " "),
        np.char.add(np.array(STREETS)[rng.integers(0, len(STREETS), n)], " ST"),
    )
    return first, last, {"street": street, **{k: np.array(v) for k, v in home.items()}}


ESRD_DX = b"N186"  # end stage renal disease
ESRD_STATUSES = ("11", "21", "31")


def enrollment_types(status: np.ndarray, dual: np.ndarray) -> np.ndarray:
    """Each beneficiary's Medicare enrollment type as CMS's benchmarks group them: "esrd"
    (Medicare status 11, 21, 31), "disabled" (20), else "aged_dual" or "aged_nondual" by the
    dual status code ("NA": not dual)."""
    return np.where(
        np.isin(status, ESRD_STATUSES),
        "esrd",
        np.where(status == "20", "disabled", np.where(dual != "NA", "aged_dual", "aged_nondual")),
    )


def chronic_conditions(rng: np.random.Generator, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each person's chronic conditions: (indices into CHRONIC_CONDITIONS, held first; whether
    each is held), both (people x conditions). A frailty drawn per person (gamma, mean 1, older
    people frailer) scales every condition's share, so the sick have several."""
    n = len(age)
    shares = np.array([share for _, share in CHRONIC_CONDITIONS])
    frailty = rng.gamma(0.9, 1 / 0.9, n) * np.clip(0.6 + (age - 65) * 0.025, 0.6, 1.5)
    held = rng.random((n, len(shares))) < np.minimum(shares * frailty[:, None] * 2.0, 0.9)
    order = np.argsort(~held, axis=1, kind="stable")
    return order, np.take_along_axis(held, order, axis=1)


def opt_outs(cfg: GeneratorConfig) -> tuple[np.ndarray, np.ndarray]:
    """(indices, dates) of the beneficiaries who declined data sharing, from a generator of its
    own (the rest of the delivery draws exactly what it would without opt-outs)."""
    if cfg.opt_out_rate <= 0:
        return np.empty(0, np.int64), np.empty(0, "datetime64[D]")
    rng = np.random.default_rng([cfg.seed, zlib.crc32(cfg.entity_id.encode()), 425_708])
    idx = np.flatnonzero(rng.random(cfg.beneficiaries) < cfg.opt_out_rate)
    on = OPT_OUT_FROM + rng.integers(0, OPT_OUT_DAYS, len(idx)).astype("timedelta64[D]")
    return idx, on.astype("datetime64[D]")


def _withheld_mbis(cfg: GeneratorConfig, pop: _Population, as_of: np.datetime64) -> set[bytes]:
    idx, on = opt_outs(cfg)
    idx = idx[on <= as_of]
    return {bytes(m) for m in pop.mbi[idx]} | {bytes(m) for m in pop.previous_mbi[idx]}


def _without(code: str, data: bytes, withheld: set[bytes]) -> bytes:
    """The records of `data` whose MBI is not withheld (CCLF9: whose current MBI is not)."""
    if not withheld or not data:
        return data
    f = layout(code).field("CRNT_NUM" if code == "CCLF9" else "BENE_MBI_ID")
    lines = data.split(b"\n")
    kept = [line for line in lines[:-1] if line[f.start : f.end].strip() not in withheld]
    return b"".join(line + b"\n" for line in kept)


def write_data_sharing_file(cfg: GeneratorConfig, out: str | Path) -> Path | None:
    """The data-sharing file CMS sends with the delivery: for an MSSP ACO the Monthly Beneficiary
    Data Sharing Status file, for an ACO REACH entity its data-sharing preference records (as
    CSV, the layouts of `datasharing.layouts`), listing everyone who declined on or before the
    delivery date with that date. None when nobody has."""
    idx, on = opt_outs(cfg)
    delivered = cfg.delivery_time
    as_of = np.datetime64(delivered.date())
    keep = on <= as_of
    if not keep.any():
        return None
    pop = _Population(cfg, np.random.default_rng([cfg.seed, zlib.crc32(cfg.entity_id.encode())]))
    current, _ = pop.current_mbi(as_of)
    mssp = cfg.entity_id.startswith("A")
    header = (
        "MBI_ID,DATA_SHARING_PREF,SUPPRESSION_STATUS,EFCTV_DT"
        if mssp
        else "MBI_ID,DATA_SHARING_PREF,EFCTV_DT"
    )
    rows = [
        f"{current[i].decode()},N,,{d}" if mssp else f"{current[i].decode()},N,{d}"
        for i, d in zip(idx[keep], on[keep], strict=True)
    ]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    kind = "BDSS" if mssp else "DSPR"
    path = out / f"P.{cfg.entity_id}.ACO.{kind}.D{delivered:%y%m%d}.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def write_data_sharing_exclusion_file(cfg: GeneratorConfig, out: str | Path) -> Path | None:
    """An MSSP ACO's Beneficiary Data Sharing Exclusion file for the delivery (the columns of
    `datasharing.layouts`, kind mssp_exclusion): everyone who declined on or before the delivery
    date, with their name and date of birth as CCLF8 gives them and the date they declined. None
    for a REACH entity or when nobody has declined."""
    idx, on = opt_outs(cfg)
    delivered = cfg.delivery_time
    as_of = np.datetime64(delivered.date())
    keep = on <= as_of
    if not cfg.entity_id.startswith("A") or not keep.any():
        return None
    pop = _Population(cfg, np.random.default_rng([cfg.seed, zlib.crc32(cfg.entity_id.encode())]))
    current, _ = pop.current_mbi(as_of)
    rows = [
        f"{current[i].decode()},{FIRST_NAMES[i % len(FIRST_NAMES)]},"
        f"{LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]},{pop.dob[i]},{d}"
        for i, d in zip(idx[keep], on[keep], strict=True)
    ]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"P.{cfg.entity_id}.ACO.BDSE.D{delivered:%y%m%d}.csv"
    header = "MBI_ID,BENE_1ST_NAME,BENE_LAST_NAME,BENE_BRTH_DT,EFCTV_DT"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def delivery_participants(cfg: GeneratorConfig) -> tuple[list[Provider], list[str]]:
    """The participant providers and CCNs the delivery is drawn with: `cfg`'s, else a synthetic
    list (the same for every year of a seed)."""
    participants = list(cfg.participants) or default_participants(np.random.default_rng(cfg.seed))
    facilities = list(cfg.facilities) or [f"{36 + i % 3:02d}{i:04d}" for i in range(1, 6)]
    return participants, facilities


def _writer(cfg: GeneratorConfig) -> tuple[_Population, np.ndarray, np.ndarray, _BlockWriter]:
    """The delivery's people, their MBIs on the delivery date (and whether they changed), and
    the writer that draws their claims block by block from the delivery's seed."""
    rng = np.random.default_rng(
        [cfg.seed, zlib.crc32(cfg.entity_id.encode()), cfg.year, int(cfg.runout)]
    )
    participants, facilities = delivery_participants(cfg)
    oon = default_participants(np.random.default_rng(cfg.seed + 7919), n_tins=30, per_tin=6)
    providers = participants + oon
    oon_facilities = [f"{10 + i % 5:02d}{100 + i:04d}" for i in range(20)]
    # The people are drawn from the seed and the entity: two entities given the same seed do not
    # get the same beneficiaries (the demo loads both with one seed).
    pop = _Population(cfg, np.random.default_rng([cfg.seed, zlib.crc32(cfg.entity_id.encode())]))
    current, changed = pop.current_mbi(np.datetime64(cfg.delivery_time.date()))
    writer = _BlockWriter(
        cfg, rng, pop, current, providers, len(participants), facilities, oon_facilities
    )
    return pop, current, changed, writer


def draw_blocks(cfg: GeneratorConfig) -> tuple[_Population, Iterator[dict[str, bytes]]]:
    """The delivery's people and its records block by block, exactly as `generate_delivery`
    draws them and before it leaves out anyone CMS withholds (what CMS itself holds)."""
    pop, _, _, writer = _writer(cfg)
    blocks = (
        writer.block(start, min(start + cfg.block, pop.n)) for start in range(0, pop.n, cfg.block)
    )
    return pop, blocks


def generate_delivery(cfg: GeneratorConfig, out: str | Path) -> Path:
    """Write a delivery zip into folder `out`; returns its path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pop, current, changed, writer = _writer(cfg)
    delivered = cfg.delivery_time
    as_of = np.datetime64(delivered.date())
    withheld = _withheld_mbis(cfg, pop, as_of)
    work = Path(tempfile.mkdtemp(prefix="cclf-gen-", dir=out))
    counts = dict.fromkeys(DATA_FILE_CODES, 0)
    handles = {code: open(work / code, "wb") for code in DATA_FILE_CODES}  # noqa: SIM115
    try:
        for start in range(0, pop.n, cfg.block):
            for code, drawn in writer.block(start, min(start + cfg.block, pop.n)).items():
                data = _without(code, drawn, withheld)
                handles[code].write(data)
                counts[code] += data.count(b"\n")
        # CCLF9: every previous MBI of beneficiaries whose MBI changed before the delivery.
        idx = np.flatnonzero(changed)
        xref = _without(
            "CCLF9",
            records(
                layout("CCLF9"),
                {
                    "HICN_MBI_XREF_IND": np.full(len(idx), b"M"),
                    "CRNT_NUM": pop.mbi[idx],
                    "PRVS_NUM": pop.previous_mbi[idx],
                    "PRVS_ID_EFCTV_DT": np.full(len(idx), np.datetime64("2018-01-01")),
                    "PRVS_ID_OBSLT_DT": pop.mbi_changed_on[idx] - np.timedelta64(1, "D"),
                },
                len(idx),
            ),
            withheld,
        )
        handles["CCLF9"].write(xref)
        counts["CCLF9"] += xref.count(b"\n")
    finally:
        for fh in handles.values():
            fh.close()
    try:
        stamp: dict[str, Any] = {
            "entity_id": cfg.entity_id,
            "runout": cfg.runout,
            "year": cfg.year,
            "delivered_at": delivered,
        }
        path = out / f"{file_name(code='', **stamp)}.zip"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            zf.writestr(file_name(code="CCLF0", **stamp), _summary(counts))
            for code in DATA_FILE_CODES:
                zf.write(work / code, file_name(code=code, **stamp))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return path


def _summary(counts: dict[str, int]) -> bytes:
    # summary_file counts the lines of each file's records; give it line ends only.
    return summary_file({code: b"\n" * counts[code] for code in counts})


class _BlockWriter:
    """Draws the claims of a block of beneficiaries and renders every file's records."""

    def __init__(
        self,
        cfg: GeneratorConfig,
        rng: np.random.Generator,
        pop: _Population,
        current: np.ndarray,
        providers: list[Provider],
        n_participants: int,
        facilities: list[str],
        oon_facilities: list[str],
    ) -> None:
        self.cfg, self.rng, self.pop, self.current = cfg, rng, pop, current
        self.tin = np.array([p.tin for p in providers], dtype="S9")
        self.npi = np.array([p.npi for p in providers], dtype="S10")
        self.spec = np.array([p.specialty for p in providers], dtype="S2")
        self.n_participants = n_participants
        self.ccn = np.array(facilities + oon_facilities, dtype="S6")
        self.n_fac = len(facilities)
        self.fac_npi = np.array(
            random_npis(np.random.default_rng(cfg.seed + 17), len(self.ccn), first="1"), dtype="S10"
        )
        self.supplier_npi = np.array(
            random_npis(np.random.default_rng(cfg.seed + 29), 10, first="1"), dtype="S10"
        )
        self.pharmacy_npi = np.array(
            random_npis(np.random.default_rng(cfg.seed + 31), 40, first="1"), dtype="S10"
        )
        self.next_claim = cfg.year * 10**8 + (10**7 if cfg.runout else 0)
        # The extra care's claims (`_extra_care`) are numbered in a range of their own.
        self.extra_next_claim = cfg.year * 10**8 + 5 * 10**7 + (10**7 if cfg.runout else 0)
        self.year_start = np.datetime64(f"{cfg.year}-01-01")
        # Service dates: the year up to three weeks before a regular delivery; the whole year
        # for run-out.
        last = (
            np.datetime64(f"{cfg.year}-12-31")
            if cfg.runout
            else np.datetime64(cfg.delivery_time.date()) - 21
        )
        self.days = (
            int((min(last, np.datetime64(f"{cfg.year}-12-31")) - self.year_start).astype(int)) + 1
        )

    def _ids(self, n: int) -> np.ndarray:
        ids = np.arange(self.next_claim, self.next_claim + n, dtype=np.int64)
        self.next_claim += n
        return ids

    def _service_dates(self, bene: np.ndarray) -> np.ndarray:
        d = self.year_start + self.rng.integers(0, self.days, len(bene)).astype("timedelta64[D]")
        death = self.pop.death[bene]
        return np.where(~np.isnat(death) & (d > death), death, d).astype("datetime64[D]")

    def _readmissions(
        self, bene: np.ndarray, kind: np.ndarray, start: np.ndarray, thru: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Hospital readmissions: READMISSION_SHARE of the inpatient stays become readmissions,
        each given to a beneficiary discharged from another stay 2 to 30 days before it (alive
        through it, with no other stay at the time), who gives one of their other stays in
        exchange, as readmissions come in Medicare. Drawn
        independently, each stay of each person on its own day, the demo's 30-day unplanned
        readmission rate (Quality ID 479, ACR) came to about 1%, where Medicare's is about 15 to
        17 per 100 index stays (AHRQ HCUP Statistical Brief #248: 17.1 for stays billed to
        Medicare in 2016). Only whose stay it is changes: every claim keeps its dates and
        amount and every person as many stays, so the year's spending, its timing (what a
        projection from the months so far reads) and who spends it barely change. A readmission is for an acute condition (the principal diagnoses
        Medicare readmissions are most often for). A second generator, seeded apart, draws this,
        so every other draw of the delivery is unchanged.

        Returns the claims' beneficiaries, which claims are readmissions, and their diagnoses."""
        cfg = self.cfg
        rng = np.random.default_rng(
            [
                cfg.seed,
                zlib.crc32(cfg.entity_id.encode()),
                cfg.year,
                479,
                int(bene[0]) if len(bene) else 0,
            ]
        )
        n = len(bene)
        bene = bene.copy()
        readmitted = np.zeros(n, dtype=bool)
        dx = np.array(READMISSION_DIAGNOSES, dtype="S7")[
            rng.integers(0, len(READMISSION_DIAGNOSES), n)
        ]
        chosen = rng.random(n) < READMISSION_SHARE
        inpatient = np.flatnonzero(kind == "inpatient")
        inpatient = inpatient[np.argsort(start[inpatient], kind="stable")]
        used = np.zeros(n, dtype=bool)  # stays already an index, a readmission or a swap
        for i in inpatient:
            if not chosen[i] or used[i]:
                continue
            days = (start[i] - thru[inpatient]).astype(np.int64)
            candidates = inpatient[(days >= 2) & (days <= 30) & ~used[inpatient]]
            candidates = candidates[bene[candidates] != bene[i]]
            death = self.pop.death[bene[candidates]]
            candidates = candidates[np.isnat(death) | (death >= thru[i])]
            for p in rng.permutation(candidates):
                mine, theirs = bene[i], bene[p]
                # One of the index person's other stays goes to the readmission's person in
                # exchange: everyone keeps as many stays as they had.
                others = inpatient[
                    (bene[inpatient] == theirs) & (inpatient != p) & ~used[inpatient]
                ]
                held = inpatient[bene[inpatient] == mine]
                their_stays = inpatient[bene[inpatient] == theirs]
                for j in (int(k) for k in rng.permutation(others)):
                    if _overlaps(start, thru, held[held != i], j) or _overlaps(
                        start, thru, their_stays[their_stays != j], int(i)
                    ):
                        continue
                    died = self.pop.death[mine]
                    if not np.isnat(died) and died < thru[j]:
                        continue
                    bene[i], bene[j] = theirs, mine
                    readmitted[i] = used[i] = used[p] = used[j] = True
                    break
                if readmitted[i]:
                    break
        return bene, readmitted, dx

    def _dx(self, bene: np.ndarray, k: int) -> np.ndarray:
        """The k-th diagnosis of each claim: a chronic condition of the beneficiary, else common."""
        held = np.maximum(self.pop.has_conditions[bene].sum(axis=1), 1)
        pick = (self.rng.random(len(bene)) * held).astype(np.int64)
        has = self.pop.has_conditions[bene, pick] & (
            self.rng.random(len(bene)) < (0.8 if k == 0 else 0.5)
        )
        chronic = np.array([code for code, _ in CHRONIC_CONDITIONS], dtype="S7")[
            self.pop.conditions[bene, pick]
        ]
        other = np.array(OTHER_DIAGNOSES, dtype="S7")[
            self.rng.integers(0, len(OTHER_DIAGNOSES), len(bene))
        ]
        return np.where(has, chronic, other)

    def block(self, lo: int, hi: int) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        benes = np.arange(lo, hi)
        out["CCLF8"] = self._demographics(benes)
        out.update(self._part_a(benes))
        for code, data in self._extra_care(benes).items():
            out[code] += data
        out.update(self._part_b(benes))
        out["CCLF6"] = self._dme(benes)
        out["CCLF7"] = self._part_d(benes)
        return out

    # ---------------------------------------------------------------------------------- CCLF8
    def _demographics(self, b: np.ndarray) -> bytes:
        p, n = self.pop, len(b)
        first, last, home = p.first_name[b], p.last_name[b], {k: v[b] for k, v in p.home.items()}
        age = ((np.datetime64(f"{self.cfg.year}-12-31") - p.dob[b]).astype(int) // 365).astype(
            np.int64
        )
        # Aged beneficiaries are entitled at 65; disabled ones (status 20, under 65) after their
        # disability, which is in the past: a start between 2012 and 2021, on a fixed calendar so
        # that every year's delivery agrees (never a future date, never before age 18).
        disabled_start = np.datetime64("2012-01-01") + ((b % 10) * 365).astype("timedelta64[D]")
        entitled = np.where(
            p.status[b] == "20",
            np.maximum(disabled_start, p.dob[b] + np.timedelta64(18 * 365, "D")),
            p.dob[b] + np.timedelta64(65 * 365, "D"),
        )
        cols = {
            "BENE_MBI_ID": self.current[b],
            "BENE_FIPS_STATE_CD": p.state[b],
            "BENE_FIPS_CNTY_CD": home["county"],
            "BENE_ZIP_CD": home["zip"],
            "BENE_DOB": p.dob[b],
            "BENE_SEX_CD": p.sex[b],
            "BENE_RACE_CD": p.race[b],
            "BENE_AGE": age,
            "BENE_MDCR_STUS_CD": p.status[b],
            "BENE_DUAL_STUS_CD": p.dual[b],
            "BENE_DEATH_DT": p.death[b],
            "BENE_1ST_NAME": first,
            "BENE_LAST_NAME": last,
            "BENE_ORGNL_ENTLMT_RSN_CD": np.where(p.status[b] == "20", "1", "0"),
            "BENE_ENTLMT_BUYIN_IND": np.full(n, "3"),
            "BENE_PART_A_ENRLMT_BGN_DT": entitled,
            "BENE_PART_B_ENRLMT_BGN_DT": entitled,
            "BENE_LINE_1_ADR": home["street"],
            "GEO_ZIP_PLC_NAME": home["city"],
            "GEO_USPS_STATE_CD": home["usps"],
            "GEO_ZIP5_CD": home["zip"],
        }
        return records(layout("CCLF8"), cols, n)

    # ------------------------------------------------------------------------------- Part A
    def _part_a(self, b: np.ndarray) -> dict[str, bytes]:
        rng = self.rng
        kinds, benes = [], []
        for name, (_, _, _, _, rate) in PART_A_KINDS.items():
            if not rate:
                continue
            k = rng.poisson(rate * self.pop.utilization[b])
            benes.append(np.repeat(b, k))
            kinds.append(np.full(k.sum(), name, dtype="U10"))
        bene = np.concatenate(benes)
        kind = np.concatenate(kinds)
        n = len(bene)
        start = self._service_dates(bene)
        los = np.where(np.isin(kind, ["inpatient"]), rng.integers(2, 8, n), 0)
        los = np.where(np.isin(kind, ["snf", "hha", "hospice"]), rng.integers(10, 30, n), los)
        thru = start + los.astype("timedelta64[D]")
        thru = _ended_by_death(thru, start, self.pop.death[bene])
        bene, readmitted, readmit_dx = self._readmissions(bene, kind, start, thru)
        return self._part_a_records(bene, kind, start, thru, readmitted, readmit_dx)

    def _part_a_records(
        self,
        bene: np.ndarray,
        kind: np.ndarray,
        start: np.ndarray,
        thru: np.ndarray,
        readmitted: np.ndarray,
        readmit_dx: np.ndarray,
    ) -> dict[str, bytes]:
        """The CCLF1/2/3/4/A records of Part A claims whose people, kinds and dates are drawn:
        amounts, facilities, versions (cancellations, adjustments), revenue lines, diagnoses."""
        rng = self.rng
        n = len(bene)
        claim_type = (
            np.array([PART_A_KINDS[k][0] for k in kind], dtype="S2") if n else np.empty(0, "S2")
        )
        bill = np.array([PART_A_KINDS[k][1] for k in kind], dtype="S3") if n else np.empty(0, "S3")
        base = np.array([PART_A_KINDS[k][2] for k in kind], dtype=float) if n else np.empty(0)
        nlines = np.array([PART_A_KINDS[k][3] for k in kind], dtype=int) if n else np.empty(0, int)
        paid = (base * rng.lognormal(0, 0.35, n) * 100).astype(np.int64)
        participant = rng.random(n) < 0.6
        fac = np.where(
            participant, rng.integers(0, self.n_fac, n), rng.integers(self.n_fac, len(self.ccn), n)
        )
        attending = rng.integers(0, len(self.npi), n)
        denied = rng.random(n) < 0.015
        paid = np.where(denied, 0, paid)
        efctv = thru + rng.integers(5, 20, n).astype("timedelta64[D]")
        ids = self._ids(n)
        base_cols = {
            "PRVDR_OSCAR_NUM": self.ccn[fac],
            "CLM_TYPE_CD": claim_type,
            "CLM_FROM_DT": start,
            "CLM_THRU_DT": thru,
            "CLM_BILL_FAC_TYPE_CD": np.array([x[:1] for x in bill], dtype="S1"),
            "CLM_BILL_CLSFCTN_CD": np.array([x[1:2] for x in bill], dtype="S1"),
            "CLM_BILL_FREQ_CD": np.array([x[2:3] for x in bill], dtype="S1"),
            "PRNCPL_DGNS_CD": np.where(
                readmitted, readmit_dx, np.where(kind == "dialysis", ESRD_DX, self._dx(bene, 0))
            ),
            "CLM_MDCR_NPMT_RSN_CD": np.where(denied, "N", ""),
            "PRVDR_FAC_FIPS_ST_CD": self.pop.state[bene],
            "BENE_PTNT_STUS_CD": discharge_statuses(kind, self.pop.death[bene], thru, ids),
            "DGNS_DRG_CD": np.where(
                kind == "inpatient", rng.choice(["0291", "0190", "0470", "0871"], n), ""
            ),
            "FAC_PRVDR_NPI_NUM": self.fac_npi[fac],
            "ATNDG_PRVDR_NPI_NUM": self.npi[attending],
            "CLM_BLG_PRVDR_OSCAR_NUM": self.ccn[fac],
            "CLM_BLG_PRVDR_NPI_NUM": self.fac_npi[fac],
            "CLM_ATNDG_PRVDR_NPI_NUM": self.npi[attending],
            "DGNS_PRCDR_ICD_IND": np.full(n, "0"),
            "CLM_MDCR_INSTNL_TOT_CHRG_AMT": paid * 3,
            "CLM_CNTRCTR_NUM": np.full(n, "15102"),
        }
        # Versions: originals; ~2% cancelled, most of those replaced by an adjustment.
        cancel = (rng.random(n) < 0.02) & ~denied
        adjust = cancel & (rng.random(n) < 0.7)
        versions = [(np.arange(n), "0", ids, paid, efctv)]
        ci = np.flatnonzero(cancel)
        versions.append((ci, "1", self._ids(len(ci)), paid[ci], efctv[ci] + 30))
        ai = np.flatnonzero(adjust)
        new_paid = (paid[ai] * rng.uniform(0.85, 1.1, len(ai))).astype(np.int64)
        versions.append((ai, "2", self._ids(len(ai)), new_paid, efctv[ai] + 30))
        h_parts, r_parts, d_parts, p_parts = [], [], [], []
        for idx, adj, vids, vpaid, veff in versions:
            cols = {k: v[idx] for k, v in base_cols.items()}
            cols.update(
                CUR_CLM_UNIQ_ID=vids,
                BENE_MBI_ID=self.current[bene[idx]],
                CLM_PMT_AMT=vpaid,
                CLM_ADJSMT_TYPE_CD=np.full(len(idx), adj),
                CLM_EFCTV_DT=veff,
                CLM_IDR_LD_DT=veff + 2,
                CLM_CNTL_NUM=np.char.add(b"A", vids.astype("S13")),
            )
            h_parts.append(records(layout("CCLF1"), cols, len(idx)))
            r_parts.append(
                self._revenue_lines(idx, vids, bene, kind, start, thru, vpaid, nlines, fac)
            )
            d_parts.append(self._diagnoses(idx, vids, bene, start, thru, fac))
            p_parts.append(self._procedures(idx, vids, bene, kind, start, thru, fac))
        return {
            "CCLF1": b"".join(h_parts),
            "CCLF2": b"".join(r_parts),
            "CCLF4": b"".join(d_parts),
            "CCLF3": b"".join(p_parts),
            "CCLFA": self._part_a_be(ids, bene, kind),
        }

    def _extra_care(self, b: np.ndarray) -> dict[str, bytes]:
        """The care ESRD, dual-eligible and disabled beneficiaries get beyond the common draws
        (EXTRA_CARE): monthly dialysis for ESRD, more stays and outpatient visits. Drawn from a
        generator of its own, with claim ids of a range of its own, so every other draw of the
        delivery (and every figure calibrated on it) stays as it was."""
        cfg, pop = self.cfg, self.pop
        etype = enrollment_types(pop.status[b], pop.dual[b])
        alive = pop.utilization[b] > 0
        main_rng, main_next = self.rng, self.next_claim
        self.rng = np.random.default_rng(
            [cfg.seed, zlib.crc32(cfg.entity_id.encode()), cfg.year, int(cfg.runout), 72, int(b[0]) if len(b) else 0]
        )  # fmt: skip
        self.next_claim = self.extra_next_claim
        try:
            benes, kinds, starts = [], [], []
            for group, rates in EXTRA_CARE.items():
                who = b[(etype == group) & alive]
                for name, rate in rates.items():
                    k = self.rng.poisson(rate * pop.utilization[who])
                    bene = np.repeat(who, k)
                    benes.append(bene)
                    kinds.append(np.full(len(bene), name, dtype="U10"))
                    starts.append(self._service_dates(bene))
            # Dialysis: one claim a month, from its first day, for each month of the delivery's
            # service dates the beneficiary lived into.
            esrd = b[(etype == "esrd") & alive]
            months = np.arange(
                self.year_start.astype("datetime64[M]"),
                (self.year_start + self.days - 1).astype("datetime64[M]") + 1,
            ).astype("datetime64[D]")
            bene = np.repeat(esrd, len(months))
            first = np.tile(months, len(esrd))
            death = pop.death[bene]
            lived = np.isnat(death) | (death >= first)
            benes.append(bene[lived])
            kinds.append(np.full(int(lived.sum()), "dialysis", dtype="U10"))
            starts.append(first[lived])
            bene = np.concatenate(benes)
            kind = np.concatenate(kinds)
            start = np.concatenate(starts).astype("datetime64[D]")
            n = len(bene)
            last_day = self.year_start + self.days - 1
            month_end = (start.astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
            los = np.where(kind == "inpatient", self.rng.integers(2, 8, n), 0)
            los = np.where(np.isin(kind, ["snf", "hha"]), self.rng.integers(10, 30, n), los)
            thru = np.where(
                kind == "dialysis",
                np.minimum(month_end, last_day),
                start + los.astype("timedelta64[D]"),
            ).astype("datetime64[D]")
            thru = _ended_by_death(thru, start, pop.death[bene])
            none = np.zeros(n, dtype=bool)
            out = self._part_a_records(bene, kind, start, thru, none, np.full(n, b"", dtype="S7"))
            self.extra_next_claim = self.next_claim
            return out
        finally:
            self.rng, self.next_claim = main_rng, main_next

    def _revenue_lines(self, idx, vids, bene, kind, start, thru, vpaid, nlines, fac) -> bytes:  # noqa: ANN001
        k = nlines[idx]
        rows = np.repeat(np.arange(len(idx)), k)
        line = np.concatenate([np.arange(1, j + 1) for j in k]) if len(k) else np.empty(0, int)
        src = idx[rows]
        kinds = kind[src]
        rev = np.where(np.isin(kinds, ["fqhc", "rhc"]), np.where(line == 1, "0521", "0001"), "0450")
        rev = np.where(kinds == "inpatient", np.where(line == 1, "0120", "0250"), rev)
        rev = np.where(kinds == "dialysis", "0821", rev)  # hemodialysis, composite rate
        hcpcs = np.where(kinds == "fqhc", np.where(line == 1, "G0466", "99213"), "")
        hcpcs = np.where(kinds == "rhc", np.where(line == 1, "99214", ""), hcpcs)
        hcpcs = np.where(
            kinds == "outpatient",
            self.rng.choice(["99284", "71046", "80053", "93005"], len(src)),
            hcpcs,
        )
        # Outpatient-type lines share the header amount; inpatient lines carry none (paid by DRG).
        share = np.where(np.isin(kinds, ["inpatient", "snf", "hospice"]), 0, vpaid[rows] // k[rows])
        share = np.where(
            (line == k[rows]) & ~np.isin(kinds, ["inpatient", "snf", "hospice"]),
            vpaid[rows] - share * (k[rows] - 1),
            share,
        )
        cols = {
            "CUR_CLM_UNIQ_ID": vids[rows],
            "CLM_LINE_NUM": line,
            "BENE_MBI_ID": self.current[bene[src]],
            "CLM_TYPE_CD": np.array([PART_A_KINDS[x][0] for x in kinds], dtype="S2")
            if len(src)
            else np.empty(0, "S2"),
            "CLM_LINE_FROM_DT": start[src],
            "CLM_LINE_THRU_DT": thru[src],
            "CLM_LINE_PROD_REV_CTR_CD": rev,
            "CLM_LINE_INSTNL_REV_CTR_DT": start[src],
            "CLM_LINE_HCPCS_CD": hcpcs,
            "PRVDR_OSCAR_NUM": self.ccn[fac[src]],
            "CLM_FROM_DT": start[src],
            "CLM_THRU_DT": thru[src],
            "CLM_LINE_SRVC_UNIT_QTY": np.full(len(src), 10000, dtype=np.int64),
            "CLM_LINE_CVRD_PD_AMT": share,
            "CLM_FAC_PRVDR_OSCAR_NUM": self.ccn[fac[src]],
        }
        return records(layout("CCLF2"), cols, len(src))

    def _diagnoses(self, idx, vids, bene, start, thru, fac) -> bytes:  # noqa: ANN001
        k = self.rng.integers(2, 6, len(idx))
        rows = np.repeat(np.arange(len(idx)), k)
        seq = np.concatenate([np.arange(1, j + 1) for j in k]) if len(k) else np.empty(0, int)
        src = idx[rows]
        cols = {
            "CUR_CLM_UNIQ_ID": vids[rows],
            "BENE_MBI_ID": self.current[bene[src]],
            "CLM_TYPE_CD": np.full(len(src), "40"),
            "CLM_PROD_TYPE_CD": np.where(seq == 1, "P", "D"),
            "CLM_VAL_SQNC_NUM": seq,
            "CLM_DGNS_CD": self._dx(bene[src], 1),
            "PRVDR_OSCAR_NUM": self.ccn[fac[src]],
            "CLM_FROM_DT": start[src],
            "CLM_THRU_DT": thru[src],
            "CLM_POA_IND": np.full(len(src), "Y"),
            "DGNS_PRCDR_ICD_IND": np.full(len(src), "0"),
            "CLM_BLG_PRVDR_OSCAR_NUM": self.ccn[fac[src]],
        }
        return records(layout("CCLF4"), cols, len(src))

    def _procedures(self, idx, vids, bene, kind, start, thru, fac) -> bytes:  # noqa: ANN001
        sel = idx[kind[idx] == "inpatient"]
        pos = np.flatnonzero(kind[idx] == "inpatient")
        cols = {
            "CUR_CLM_UNIQ_ID": vids[pos],
            "BENE_MBI_ID": self.current[bene[sel]],
            "CLM_TYPE_CD": np.full(len(sel), "60"),
            "CLM_VAL_SQNC_NUM": np.ones(len(sel), dtype=np.int64),
            "CLM_PRCDR_CD": np.array(PCS_PROCEDURES, dtype="S7")[
                self.rng.integers(0, len(PCS_PROCEDURES), len(sel))
            ],
            "CLM_PRCDR_PRFRM_DT": start[sel],
            "PRVDR_OSCAR_NUM": self.ccn[fac[sel]],
            "CLM_FROM_DT": start[sel],
            "CLM_THRU_DT": thru[sel],
            "DGNS_PRCDR_ICD_IND": np.full(len(sel), "0"),
            "CLM_BLG_PRVDR_OSCAR_NUM": self.ccn[fac[sel]],
        }
        return records(layout("CCLF3"), cols, len(sel))

    def _part_a_be(self, ids, bene, kind) -> bytes:  # noqa: ANN001
        # Benefit enhancements (telehealth, SNF 3-day waiver) on a few claims.
        sel = np.flatnonzero(self.rng.random(len(ids)) < 0.02)
        cols = {
            "CUR_CLM_UNIQ_ID": ids[sel],
            "BENE_MBI_ID": self.current[bene[sel]],
            "CLM_TYPE_CD": np.array([PART_A_KINDS[k][0] for k in kind[sel]], dtype="S2")
            if len(sel)
            else np.empty(0, "S2"),
            "CLM_NGACO_SNF_WVR_SW": np.where(kind[sel] == "snf", "1", ""),
            "CLM_NGACO_TLHLTH_SW": np.where(kind[sel] != "snf", "1", ""),
        }
        return records(layout("CCLFA"), cols, len(sel))

    # ------------------------------------------------------------------------------- Part B
    def _part_b(self, b: np.ndarray) -> dict[str, bytes]:
        rng = self.rng
        k = rng.poisson(9 * self.pop.utilization[b])
        bene = np.repeat(b, k)
        n = len(bene)
        start = self._service_dates(bene)
        participant = rng.random(n) < 0.7
        prov = np.where(
            participant,
            rng.integers(0, self.n_participants, n),
            rng.integers(self.n_participants, len(self.npi), n),
        )
        nl = rng.choice([1, 2, 3, 4], n, p=[0.35, 0.3, 0.25, 0.1])
        ids = self._ids(n)
        cntl = np.char.add(b"B", ids.astype("S13"))
        denied = rng.random(n) < 0.02
        efctv = start + rng.integers(5, 20, n).astype("timedelta64[D]")
        cancel = (rng.random(n) < 0.02) & ~denied
        replace = cancel & (rng.random(n) < 0.6)
        rows = np.repeat(np.arange(n), nl)
        line = np.concatenate([np.arange(1, j + 1) for j in nl]) if n else np.empty(0, int)
        m = len(rows)
        svc = np.where(
            line == 1,
            VISIT_SERVICES[rng.integers(0, len(VISIT_SERVICES), m)],
            rng.integers(7, len(PART_B_SERVICES), m),
        )
        svc = np.where((line == 1) & self._wellness_visit(bene)[rows], AWV_SERVICE, svc)
        hcpcs = np.array([s[0] for s in PART_B_SERVICES], dtype="S5")[svc]
        price = np.array([s[1] for s in PART_B_SERVICES], dtype=float)[svc]
        pos = np.array([s[3] for s in PART_B_SERVICES], dtype="S2")[svc]
        allowed = (price * rng.lognormal(0, 0.18, m) * 100).astype(np.int64)
        line_denied = rng.random(m) < 0.02
        paid = np.where(denied[rows] | line_denied, 0, (allowed * 0.8).astype(np.int64))
        dx1, dx2 = self._dx(bene[rows], 0), self._dx(bene[rows], 1)
        base = {
            "CLM_LINE_NUM": line,
            "CLM_TYPE_CD": np.full(m, "71"),
            "CLM_FROM_DT": start[rows],
            "CLM_THRU_DT": start[rows],
            "RNDRG_PRVDR_TYPE_CD": np.full(m, "1"),
            "RNDRG_PRVDR_FIPS_ST_CD": self.pop.state[bene[rows]],
            "CLM_PRVDR_SPCLTY_CD": self.spec[prov[rows]],
            "CLM_FED_TYPE_SRVC_CD": np.full(m, "1"),
            "CLM_POS_CD": pos,
            "CLM_LINE_FROM_DT": start[rows],
            "CLM_LINE_THRU_DT": start[rows],
            "CLM_LINE_HCPCS_CD": hcpcs,
            "CLM_LINE_DGNS_CD": dx1,
            "CLM_RNDRG_PRVDR_TAX_NUM": self.tin[prov[rows]],
            "RNDRG_PRVDR_NPI_NUM": self.npi[prov[rows]],
            "CLM_CARR_PMT_DNL_CD": np.where(denied[rows], "0", "1"),
            "CLM_PRCSG_IND_CD": np.where(line_denied, "C", "A"),
            "CLM_CNTL_NUM": cntl[rows],
            "CLM_LINE_ALOWD_CHRG_AMT": allowed,
            "CLM_LINE_SRVC_UNIT_QTY": np.full(m, 10000, dtype=np.int64),
            "CLM_DGNS_1_CD": dx1,
            "CLM_DGNS_2_CD": dx2,
            "DGNS_PRCDR_ICD_IND": np.full(m, "0"),
            "CLM_RNDRG_PRVDR_NPI_NUM": self.npi[prov[rows]],
            "CLM_CNTRCTR_NUM": np.full(m, "15202"),
        }
        parts, be = [], []
        # Original, cancellation (same lines, later), replacement original (same control number).
        for mask, adj, vids_of, shift, factor in (
            (np.ones(n, bool), "0", ids, 0, 1.0),
            (cancel, "1", None, 25, 1.0),
            (replace, "0", None, 26, 1.1),
        ):
            sel_claims = np.flatnonzero(mask)
            vids = vids_of if vids_of is not None else np.zeros(n, np.int64)
            if vids_of is None:
                vids[sel_claims] = self._ids(len(sel_claims))
            sel = np.flatnonzero(mask[rows])
            cols = {k: v[sel] for k, v in base.items()}
            vpaid = (paid[sel] * factor).astype(np.int64)
            cols.update(
                CUR_CLM_UNIQ_ID=vids[rows[sel]],
                BENE_MBI_ID=self.current[bene[rows[sel]]],
                CLM_LINE_CVRD_PD_AMT=vpaid,
                CLM_ADJSMT_TYPE_CD=np.full(len(sel), adj),
                CLM_EFCTV_DT=efctv[rows[sel]] + shift,
                CLM_IDR_LD_DT=efctv[rows[sel]] + shift + 1,
            )
            parts.append(records(layout("CCLF5"), cols, len(sel)))
            if adj == "0" and vids_of is not None:
                parts.append(
                    self._depression_screens(base, rows, nl, svc, cancel, ids, bene, efctv)
                )
                tele = sel[self.rng.random(len(sel)) < 0.01]
                be.append(
                    records(
                        layout("CCLFB"),
                        {
                            "CUR_CLM_UNIQ_ID": vids[rows[tele]],
                            "CLM_LINE_NUM": line[tele],
                            "BENE_MBI_ID": self.current[bene[rows[tele]]],
                            "CLM_TYPE_CD": np.full(len(tele), "71"),
                            "CLM_LINE_NGACO_TLHLTH_SW": np.full(len(tele), "1"),
                        },
                        len(tele),
                    )
                )
        return {"CCLF5": b"".join(parts), "CCLFB": b"".join(be)}

    def _depression_screens(self, base, rows, nl, svc, cancel, ids, bene, efctv) -> bytes:  # noqa: ANN001
        """A depression-screening line (DEPRESSION_SCREEN_SHARE) added after the last line of
        some office claims that are not cancelled: a quality-data code, nothing allowed or paid,
        so no amount changes. Drawn from a generator of its own, so every other draw of the
        delivery stays as it was."""
        cfg = self.cfg
        rng = np.random.default_rng(
            [cfg.seed, zlib.crc32(cfg.entity_id.encode()), cfg.year, int(cfg.runout), 134, int(bene[0]) if len(bene) else 0]
        )  # fmt: skip
        first = np.cumsum(nl) - nl  # each claim's first line
        kind = svc[first]
        share = np.where(
            kind == AWV_SERVICE,
            DEPRESSION_SCREEN_SHARE["awv"],
            np.where(np.isin(kind, VISIT_SERVICES), DEPRESSION_SCREEN_SHARE["visit"], 0.0),
        )
        claims = np.flatnonzero((rng.random(len(nl)) < share) & ~cancel)
        sel = first[claims]
        m = len(sel)
        positive = rng.random(m) < DEPRESSION_POSITIVE_SHARE
        cols = {k: v[sel] for k, v in base.items()}
        cols.update(
            CLM_LINE_NUM=nl[claims] + 1,
            CLM_LINE_HCPCS_CD=np.where(positive, "G8431", "G8510"),
            CLM_FED_TYPE_SRVC_CD=np.full(m, "1"),
            CLM_PRCSG_IND_CD=np.full(m, "A"),
            CLM_LINE_ALOWD_CHRG_AMT=np.zeros(m, dtype=np.int64),
            CUR_CLM_UNIQ_ID=ids[claims],
            BENE_MBI_ID=self.current[bene[rows[sel]]],
            CLM_LINE_CVRD_PD_AMT=np.zeros(m, dtype=np.int64),
            CLM_ADJSMT_TYPE_CD=np.full(m, "0"),
            CLM_EFCTV_DT=efctv[claims],
            CLM_IDR_LD_DT=efctv[claims] + 1,
        )
        return records(layout("CCLF5"), cols, m)

    def _wellness_visit(self, bene: np.ndarray) -> np.ndarray:
        """Which claims are an annual wellness visit: at most one a year per person (Medicare
        pays one every 12 months, 42 CFR 410.15), the first claim of about half the people."""
        first = np.unique(bene, return_index=True)[1]
        awv = np.zeros(len(bene), dtype=bool)
        awv[first[self.rng.random(len(first)) < AWV_SHARE]] = True
        return awv

    def _dme(self, b: np.ndarray) -> bytes:
        rng = self.rng
        k = rng.poisson(0.8 * self.pop.utilization[b])
        bene = np.repeat(b, k)
        n = len(bene)
        start = self._service_dates(bene)
        svc = rng.integers(0, len(DME_SERVICES), n)
        allowed = (
            np.array([s[1] for s in DME_SERVICES], float)[svc] * rng.lognormal(0, 0.2, n) * 100
        ).astype(np.int64)
        ids = self._ids(n)
        cols = {
            "CUR_CLM_UNIQ_ID": ids,
            "CLM_LINE_NUM": np.ones(n, dtype=np.int64),
            "BENE_MBI_ID": self.current[bene],
            "CLM_TYPE_CD": np.full(n, "82"),
            "CLM_FROM_DT": start,
            "CLM_THRU_DT": start,
            "CLM_FED_TYPE_SRVC_CD": np.full(n, "P"),
            "CLM_POS_CD": np.full(n, "12"),
            "CLM_LINE_FROM_DT": start,
            "CLM_LINE_THRU_DT": start,
            "CLM_LINE_HCPCS_CD": np.array([s[0] for s in DME_SERVICES], dtype="S5")[svc],
            "CLM_LINE_CVRD_PD_AMT": (allowed * 0.8).astype(np.int64),
            "PAYTO_PRVDR_NPI_NUM": self.supplier_npi[rng.integers(0, len(self.supplier_npi), n)],
            "ORDRG_PRVDR_NPI_NUM": self.npi[rng.integers(0, self.n_participants, n)],
            "CLM_CARR_PMT_DNL_CD": np.full(n, "1"),
            "CLM_PRCSG_IND_CD": np.full(n, "A"),
            "CLM_ADJSMT_TYPE_CD": np.full(n, "0"),
            "CLM_EFCTV_DT": start + 10,
            "CLM_IDR_LD_DT": start + 12,
            "CLM_CNTL_NUM": np.char.add(b"D", ids.astype("S13")),
            "CLM_LINE_ALOWD_CHRG_AMT": allowed,
        }
        return records(layout("CCLF6"), cols, n)

    def _part_d(self, b: np.ndarray) -> bytes:
        """Chronic medications by condition, refilled with gaps (synthetic.part_d), from a
        generator of their own."""
        return part_d_records(
            seed=[self.cfg.seed, zlib.crc32(self.cfg.entity_id.encode()), self.cfg.year, 7],
            benes=b,
            condition_codes=[code for code, _ in CHRONIC_CONDITIONS],
            conditions=self.pop.conditions,
            has_conditions=self.pop.has_conditions,
            alive=self.pop.utilization > 0,
            death=self.pop.death,
            mbi=self.current,
            year_start=self.year_start,
            days=self.days,
            prescribers=self.npi[: self.n_participants],
            pharmacies=self.pharmacy_npi,
            ids=self._ids,
        )


def service_year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


# ------------------------------------------------------------------ discharge statuses (Part A)

#: NUBC patient discharge statuses (CCLF1 BENE_PTNT_STUS_CD) of inpatient stays and how often
#: each occurs: home, home health, a SNF, another acute hospital (transfer), left against
#: medical advice, hospice (home, facility), an inpatient rehabilitation facility.
INPATIENT_DISCHARGE_MIX = (
    ("01", 0.55),
    ("06", 0.15),
    ("03", 0.13),
    ("02", 0.05),
    ("07", 0.03),
    ("50", 0.03),
    ("51", 0.02),
    ("62", 0.04),
)
EXPIRED = "20"


def _overlaps(start: np.ndarray, thru: np.ndarray, stays: np.ndarray, k: int) -> bool:
    """Whether stay `k` overlaps any of `stays` (indexes into start and thru)."""
    return bool(((start[stays] <= thru[k]) & (thru[stays] >= start[k])).any())


def _ended_by_death(thru: np.ndarray, start: np.ndarray, death: np.ndarray) -> np.ndarray:
    """A stay of a beneficiary who died before its planned end ends on the date of death."""
    died = ~np.isnat(death) & (death >= start) & (death < thru)
    return np.where(died, death, thru).astype("datetime64[D]")


def discharge_statuses(
    kind: np.ndarray, death: np.ndarray, thru: np.ndarray, claim_ids: np.ndarray
) -> np.ndarray:
    """The discharge status of each Part A claim: inpatient stays draw from
    INPATIENT_DISCHARGE_MIX, and "20" (expired) when the beneficiary died on the stay's last
    day; other claims "01". Drawn from the claims' own ids, so the other columns' random
    stream (and every other figure of the demo) stays as it was."""
    statuses = np.full(len(kind), "01", dtype="U2")
    if not len(kind):
        return statuses
    codes = np.array([code for code, _ in INPATIENT_DISCHARGE_MIX])
    weights = np.array([w for _, w in INPATIENT_DISCHARGE_MIX])
    draw = np.random.default_rng([int(claim_ids[0]), 7]).choice(
        codes, len(kind), p=weights / weights.sum()
    )
    inpatient = kind == "inpatient"
    statuses = np.where(inpatient, draw, statuses)
    died = inpatient & ~np.isnat(death) & (death == thru)
    return np.where(died, EXPIRED, statuses)
