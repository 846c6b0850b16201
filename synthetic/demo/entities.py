"""Demo participant lists for the two demo entities: a few dozen TINs and a few hundred NPIs each,
primary care and specialists, effective-dated, and for the REACH DCE preferred providers too; and
a few hospitals (CCNs) each, where the synthetic claims put the network's Part A stays.

Everything is synthetic and generated from a fixed seed, then loaded through the same CSV import
service an entity administrator uses, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from typing import Any

from core import csvfiles
from entities.choices import AssignmentMethod, ChangeAction, ChangeStatus, MsrMlrChoice
from entities.models import Entity, ParticipantChangeRequest, Track
from entities.selectors import EXPORT_COLUMNS
from entities.services.change_requests import change_request_create, change_request_submit
from entities.services.entities import entity_update, entity_year_set
from entities.services.imports import participant_import
from synthetic.identifiers import npi as synthetic_npi

LAST_NAMES = (
    "Abbott",
    "Alvarez",
    "Bishop",
    "Brennan",
    "Castillo",
    "Chen",
    "Dawson",
    "Delgado",
    "Ellison",
    "Farrow",
    "Fischer",
    "Gallagher",
    "Gupta",
    "Hale",
    "Hartley",
    "Ibarra",
    "Jensen",
    "Kaplan",
    "Khan",
    "Larsen",
    "Lindqvist",
    "Maddox",
    "Moreau",
    "Nakamura",
    "Novak",
    "Okafor",
    "Oyelaran",
    "Patel",
    "Petrov",
    "Quinlan",
    "Ramos",
    "Reyes",
    "Sato",
    "Schneider",
    "Sorensen",
    "Tanaka",
    "Thornton",
    "Underwood",
    "Vargas",
    "Walsh",
    "Whitaker",
    "Xu",
    "Yamamoto",
    "Zielinski",
    "Adeyemi",
    "Bergstrom",
    "Cardenas",
    "Duarte",
    "Eriksen",
    "Fontaine",
)
FIRST_NAMES = (
    "Ada",
    "Amir",
    "Beatriz",
    "Caleb",
    "Dana",
    "Elif",
    "Farah",
    "Gabriel",
    "Hana",
    "Ines",
    "Jonah",
    "Keiko",
    "Lena",
    "Marcus",
    "Nadia",
    "Omar",
    "Priya",
    "Quentin",
    "Rosa",
    "Samuel",
    "Tara",
    "Uma",
    "Victor",
    "Wren",
    "Yusuf",
    "Zoe",
    "Alma",
    "Bruno",
    "Clara",
    "Dmitri",
    "Esme",
    "Felix",
    "Greta",
    "Hugo",
    "Iris",
    "Jasper",
)
PLACES = [
    "Riverbend",
    "Maple Hollow",
    "Cedar Ridge",
    "Lakeside",
    "Pinecrest",
    "Stonebridge",
    "Willow Creek",
    "Harbor View",
    "Meadowlark",
    "Brookfield",
    "Fairhaven",
    "Oakmont",
    "Summit",
    "Glenwood",
    "Redwood",
    "Silver Lake",
    "Eastgate",
    "Northfield",
    "Bayside",
    "Clearwater",
    "Foxhill",
    "Kingsport",
    "Larkspur",
    "Millbrook",
    "Orchard Park",
    "Prairie",
    "Rosewood",
    "Sandpoint",
    "Timberline",
    "Valleyview",
    "Westbrook",
    "Ashford",
    "Beacon Hill",
    "Copper Falls",
    "Dover",
    "Elmhurst",
]

# (kind, legal-name suffix, specialty codes with weights)
PRACTICE_KINDS = {
    "primary": (
        "Family Medicine PC",
        [("08", 5), ("11", 4), ("01", 1), ("38", 1), ("50", 3), ("97", 2)],
    ),
    "internal": ("Internal Medicine Associates", [("11", 6), ("38", 2), ("50", 2), ("89", 1)]),
    "pediatric": ("Pediatrics and Family Care", [("37", 4), ("08", 2), ("50", 2)]),
    "multispecialty": (
        "Multispecialty Clinic LLC",
        [
            ("08", 3),
            ("11", 3),
            ("06", 2),
            ("13", 1),
            ("29", 1),
            ("46", 1),
            ("26", 1),
            ("97", 2),
            ("02", 1),
        ],
    ),
    "cardiology": ("Heart and Vascular Group", [("06", 6), ("C3", 2), ("21", 1), ("97", 1)]),
    "pulmonary": ("Lung and Sleep Specialists", [("29", 4), ("C0", 1), ("50", 1)]),
    "nephrology": ("Kidney Care Associates", [("39", 4), ("50", 1)]),
    "oncology": ("Cancer Center PA", [("90", 3), ("83", 2), ("92", 1), ("50", 1)]),
    "behavioral": ("Behavioral Health Partners", [("26", 3), ("27", 1), ("80", 2), ("68", 1)]),
    "orthopedic": ("Orthopedic Institute", [("20", 4), ("25", 1), ("97", 2)]),
}


@dataclass(frozen=True)
class RosterPlan:
    cms_id: str
    seed: int
    tin_base: int
    practices: dict[str, int]  # kind -> number of TINs
    clinicians_per_tin: tuple[int, int]
    preferred_kinds: tuple[str, ...] = ()  # REACH: these practices join as preferred providers
    # The hospitals on the list, each a TIN of its own with its CCN (no NPI): (name, CCN, role).
    # The synthetic claims put their in-network Part A stays at these CCNs (synthetic.cclf), so
    # the network's leakage counts hospital spending at them as in network. CCNs are 2-digit SSA
    # state codes then a facility number in the short-term (0001-0879) or critical access
    # (1300-1399) hospital range; synthetic numbers.
    facilities: tuple[tuple[str, str, str], ...] = ()


PLANS = {
    "mssp": RosterPlan(
        cms_id="A9901",
        seed=9901,
        tin_base=991_000_000,
        practices={
            "primary": 14,
            "internal": 7,
            "pediatric": 3,
            "multispecialty": 4,
            "cardiology": 2,
            "pulmonary": 1,
            "nephrology": 1,
            "oncology": 1,
            "behavioral": 2,
            "orthopedic": 1,
        },
        clinicians_per_tin=(4, 14),
        # A health system's ACO of this size: its flagship and two community hospitals and a
        # critical access hospital.
        facilities=(
            ("Valley Health Medical Center", "330861", "participant"),
            ("Valley Health Riverbend Hospital", "330862", "participant"),
            ("Valley Health Cedar Ridge Hospital", "330863", "participant"),
            ("Valley Health Lakeside Critical Access Hospital", "331361", "participant"),
        ),
    ),
    "reach": RosterPlan(
        cms_id="D9902",
        seed=9902,
        tin_base=992_000_000,
        practices={
            "primary": 11,
            "internal": 6,
            "pediatric": 1,
            "multispecialty": 3,
            "cardiology": 2,
            "pulmonary": 1,
            "nephrology": 1,
            "oncology": 1,
            "behavioral": 1,
            "orthopedic": 1,
        },
        clinicians_per_tin=(4, 14),
        preferred_kinds=("cardiology", "pulmonary", "nephrology", "oncology", "orthopedic"),
        # A physician-led DCE: two community hospitals join as preferred providers.
        facilities=(
            ("Coastal Community Hospital", "100871", "preferred"),
            ("Bayside Regional Medical Center", "100872", "preferred"),
        ),
    ),
}
# The demo's participant files have the columns of the participant-list export.
COLUMNS = list(EXPORT_COLUMNS)


def _rows(plan: RosterPlan) -> list[dict[str, str]]:
    """The whole effective-dated roster: most rows from Jan 1 2024, some leaving at the end of
    2024 or mid-2025, some joining in 2025 or from Jan 1 2026."""
    rng = random.Random(plan.seed)  # noqa: S311 - synthetic demo data, not security
    places = PLACES[:]
    rng.shuffle(places)
    used_npis: set[str] = set()
    rows: list[dict[str, str]] = []
    tin_number = 0
    for kind, count in plan.practices.items():
        suffix, specialties = PRACTICE_KINDS[kind]
        codes, weights = zip(*specialties, strict=True)
        for _ in range(count):
            tin_number += 1
            tin = f"{plan.tin_base + tin_number * 37:09d}"
            legal_name = f"{places[tin_number % len(places)]} {suffix}"
            role = "preferred" if kind in plan.preferred_kinds else "participant"
            tin_start = dt.date(2025, 1, 1) if tin_number % 9 == 0 else dt.date(2024, 1, 1)
            for _ in range(rng.randint(*plan.clinicians_per_tin)):
                while True:
                    npi = synthetic_npi(rng.randint(0, 99_999_999))
                    if npi not in used_npis:
                        used_npis.add(npi)
                        break
                start, end = tin_start, None
                draw = rng.random()
                if draw < 0.06 and tin_start.year == 2024:
                    end = dt.date(2024, 12, 31)
                elif draw < 0.10 and tin_start.year == 2024:
                    end = dt.date(2025, 6, 30)
                elif draw < 0.16:
                    start = dt.date(2025, 4, 1)
                elif draw < 0.19:
                    start = dt.date(2026, 1, 1)
                rows.append(
                    {
                        "tin": tin,
                        "tin_legal_name": legal_name,
                        "npi": npi,
                        "provider_name": f"{rng.choice(LAST_NAMES)}, {rng.choice(FIRST_NAMES)}",
                        "ccn": "",
                        "specialty_code": rng.choices(codes, weights)[0],
                        "role": role,
                        "effective_start": start.isoformat(),
                        "effective_end": end.isoformat() if end else "",
                    }
                )
    for i, (name, ccn, role) in enumerate(plan.facilities, start=1):
        rows.append(
            {
                "tin": f"{plan.tin_base + 5000 + i * 37:09d}",
                "tin_legal_name": name,
                "npi": "",
                "provider_name": "",
                "ccn": ccn,
                "specialty_code": "",
                "role": role,
                "effective_start": dt.date(2024, 1, 1).isoformat(),
                "effective_end": "",
            }
        )
    return rows


def _csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csvfiles.dict_writer(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _touches(row: dict[str, str], year: int) -> bool:
    start = dt.date.fromisoformat(row["effective_start"])
    end = dt.date.fromisoformat(row["effective_end"]) if row["effective_end"] else dt.date.max
    return start <= dt.date(year, 12, 31) and end >= dt.date(year, 1, 1)


def _load_roster(entity: Entity, plan: RosterPlan, stdout: Any) -> list[dict[str, str]]:
    rows = _rows(plan)
    imported: set[int] = set()
    for year in (2024, 2025, 2026):
        batch = [r for i, r in enumerate(rows) if i not in imported and _touches(r, year)]
        imported |= {i for i, r in enumerate(rows) if _touches(r, year)}
        if not batch:
            continue
        outcome = participant_import(entity=entity, performance_year=year, content=_csv(batch))
        s = outcome.summary
        stdout.write(
            f"  {entity.cms_id} PY{year} list: {len(s.created)} new, {s.unchanged} unchanged rows"
        )
    return rows


def _track(program_code: str, code: str) -> Track:
    return Track.objects.get(program__code=program_code, code=code)


def load(*, entities: dict[str, Entity], stdout: Any) -> None:
    mssp, reach = entities["mssp"], entities["reach"]

    entity_update(
        entity=mssp,
        data={
            "tin": "991000001",
            "agreement_start": dt.date(2024, 1, 1),
            "assignment_method": AssignmentMethod.PRELIMINARY_PROSPECTIVE,
            "msr_mlr_choice": MsrMlrChoice.FIXED_2_0,
        },
    )
    # The BASIC glide path moves one level a year (42 CFR 425.600(a)(4)).
    for year, level in ((2024, "basic_c"), (2025, "basic_d"), (2026, "basic_e")):
        entity_year_set(
            entity=mssp,
            performance_year=year,
            track=_track("mssp", level),
            agreement_start=dt.date(2024, 1, 1),
            agreement_period=1,
        )
    entity_update(
        entity=reach,
        data={
            "tin": "992000001",
            "agreement_start": dt.date(2023, 1, 1),
            "assignment_method": AssignmentMethod.PROSPECTIVE,
        },
    )
    for year in (2024, 2025, 2026):
        entity_year_set(
            entity=reach,
            performance_year=year,
            track=_track("reach", "global"),
            entity_type=_track("reach", "standard"),
        )

    mssp_rows = _load_roster(mssp, PLANS["mssp"], stdout)
    _load_roster(reach, PLANS["reach"], stdout)

    # Two change requests for PY2026 on the MSSP list: a submitted add and a draft drop.
    if not ParticipantChangeRequest.objects.filter(entity=mssp).exists():
        change = change_request_create(
            entity=mssp,
            action=ChangeAction.ADD,
            performance_year=2026,
            tin=mssp_rows[0]["tin"],
            npi=synthetic_npi(99_010_042),
            specialty_code="08",
            effective_date=dt.date(2026, 1, 1),
            reason="New family physician joining the practice",
        )
        change_request_submit(change_request=change)
        leaver = next(
            r for r in mssp_rows if r["effective_start"] == "2024-01-01" and not r["effective_end"]
        )
        change_request_create(
            entity=mssp,
            action=ChangeAction.DROP,
            performance_year=2026,
            tin=leaver["tin"],
            npi=leaver["npi"],
            effective_date=dt.date(2026, 1, 1),
            reason="Retiring at the end of 2025",
        )
    stdout.write(
        f"  change requests: {ParticipantChangeRequest.objects.filter(status=ChangeStatus.SUBMITTED).count()} submitted, "
        f"{ParticipantChangeRequest.objects.filter(status=ChangeStatus.DRAFT).count()} draft"
    )
