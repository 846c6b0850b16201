"""A small builder for hand-made alignment populations: beneficiaries, months of enrollment,
claim lines and voluntary designations, as the engine's input frames."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from alignment.engine import columns as c
from alignment.engine.windows import add_months

ACO_TIN = "100000001"
ACO_TIN_2 = "100000002"
OTHER_TIN = "200000001"
OTHER_TIN_2 = "200000002"
OTHER_TIN_3 = "200000003"
ACO_CCN = "011234"
OTHER_CCN = "021234"
PCP_NPI = "1000000001"
PCP_NPI_2 = "1000000002"
NP_NPI = "1000000003"
CARDIO_NPI = "1000000004"
OTHER_NPI = "2000000001"
OTHER_NPI_2 = "2000000002"


@dataclass
class Population:
    """Beneficiaries enrolled in Part A and B for every month from `first_month` to `last_month`
    unless told otherwise."""

    first_month: date = date(2021, 1, 1)
    last_month: date = date(2026, 12, 1)
    benes: list[dict[str, Any]] = field(default_factory=list)
    months: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    designations: list[dict[str, Any]] = field(default_factory=list)
    stays: list[dict[str, Any]] = field(default_factory=list)

    def bene(
        self,
        bene_id: int,
        *,
        death: date | None = None,
        other_initiative: bool = False,
        months: dict[date, dict[str, bool]] | None = None,
        enrolled_from: date | None = None,
        enrolled_to: date | None = None,
    ) -> int:
        """Add a beneficiary. `months` overrides single months: {date(2025, 3, 1): {"part_b":
        False}}; enrolled_from/to narrow the enrolled months."""
        self.benes.append(
            {
                c.BENE_ID: bene_id,
                c.DEATH_DATE: pd.Timestamp(death) if death else pd.NaT,
                c.OTHER_INITIATIVE: other_initiative,
            }
        )
        overrides = months or {}
        m = enrolled_from or self.first_month
        end = enrolled_to or self.last_month
        while m <= end:
            row = {
                c.BENE_ID: bene_id,
                c.MONTH: pd.Timestamp(m),
                c.PART_A: True,
                c.PART_B: True,
                c.GROUP_HEALTH_PLAN: False,
                c.OUTSIDE_US: False,
            }
            row.update(overrides.get(m, {}))
            self.months.append(row)
            m = add_months(m, 1)
        return bene_id

    def line(
        self,
        bene_id: int,
        day: date,
        *,
        allowed: float = 100.0,
        hcpcs: str = "99213",
        tin: str = ACO_TIN,
        npi: str = PCP_NPI,
        ccn: str = "",
        specialty: str = "08",
        pos: str = "11",
        fqhc_rhc: bool = False,
        denied: bool = False,
    ) -> None:
        self.lines.append(
            {
                c.BENE_ID: bene_id,
                c.SERVICE_DATE: pd.Timestamp(day),
                c.HCPCS: hcpcs,
                c.ALLOWED_CENTS: round(allowed * 100),
                c.TIN: tin,
                c.NPI: npi,
                c.CCN: ccn,
                c.SPECIALTY: specialty,
                c.POS: pos,
                c.FQHC_RHC: fqhc_rhc,
                c.DENIED: denied,
            }
        )

    def designate(
        self, bene_id: int, signed: date, *, tin: str = ACO_TIN, npi: str = PCP_NPI
    ) -> None:
        self.designations.append(
            {
                c.BENE_ID: bene_id,
                c.VA_TIN: tin,
                c.VA_NPI: npi,
                c.SIGNATURE_DATE: pd.Timestamp(signed),
            }
        )

    def stay(self, bene_id: int, kind: str, first: date, last: date) -> None:
        self.stays.append(
            {
                c.BENE_ID: bene_id,
                c.STAY_KIND: kind,
                c.STAY_FROM: pd.Timestamp(first),
                c.STAY_THRU: pd.Timestamp(last),
            }
        )

    def frames(self) -> dict[str, pd.DataFrame | None]:
        line_columns = [
            c.BENE_ID, c.SERVICE_DATE, c.HCPCS, c.ALLOWED_CENTS, c.TIN, c.NPI, c.CCN,
            c.SPECIALTY, c.POS, c.FQHC_RHC, c.DENIED,
        ]  # fmt: skip
        lines = pd.DataFrame(self.lines, columns=line_columns)
        lines[c.ALLOWED_CENTS] = lines[c.ALLOWED_CENTS].astype("int64")
        lines[c.BENE_ID] = lines[c.BENE_ID].astype("int64")
        lines[c.SERVICE_DATE] = pd.to_datetime(lines[c.SERVICE_DATE])
        lines[c.FQHC_RHC] = lines[c.FQHC_RHC].astype(bool)
        lines[c.DENIED] = lines[c.DENIED].astype(bool)
        benes = pd.DataFrame(self.benes, columns=[c.BENE_ID, c.DEATH_DATE, c.OTHER_INITIATIVE])
        benes[c.DEATH_DATE] = pd.to_datetime(benes[c.DEATH_DATE])
        months = pd.DataFrame(
            self.months,
            columns=[c.BENE_ID, c.MONTH, c.PART_A, c.PART_B, c.GROUP_HEALTH_PLAN, c.OUTSIDE_US],
        )
        voluntary = (
            pd.DataFrame(
                self.designations, columns=[c.BENE_ID, c.VA_TIN, c.VA_NPI, c.SIGNATURE_DATE]
            )
            if self.designations
            else None
        )
        stays = (
            pd.DataFrame(self.stays, columns=[c.BENE_ID, c.STAY_KIND, c.STAY_FROM, c.STAY_THRU])
            if self.stays
            else None
        )
        return {
            "beneficiaries": benes,
            "enrollment": months,
            "lines": lines,
            "voluntary": voluntary,
            "stays": stays,
        }


def mssp_participants() -> Any:
    from alignment.engine import ParticipantList

    return ParticipantList(
        tins=frozenset({ACO_TIN, ACO_TIN_2}),
        ccns=frozenset({ACO_CCN}),
        providers=frozenset(
            {(ACO_TIN, PCP_NPI), (ACO_TIN, NP_NPI), (ACO_TIN_2, PCP_NPI_2), (ACO_TIN, CARDIO_NPI)}
        ),
    )


def run_mssp(
    pop: Population,
    *,
    year: int = 2025,
    method: str = "ppwrr",
    list_kind: str = "final",
    as_of: date | None = None,
    participants: Any = None,
    **overrides: Any,
) -> pd.DataFrame:
    """Assign `pop` with the given parameters; the result indexed by beneficiary id."""
    from alignment.engine import AssignmentMethod, ListKind, assign_mssp, mssp_parameters
    from alignment.engine.mssp import windows_for

    params = mssp_parameters(year, AssignmentMethod(method), **overrides)
    windows = windows_for(
        params, list_kind=ListKind(list_kind), as_of=as_of or date(year + 1, 4, 1)
    )
    result = assign_mssp(
        participants=participants or mssp_participants(),
        params=params,
        windows=windows,
        **pop.frames(),
    )
    return result.set_index(c.BENE_ID)


def reach_participants() -> Any:
    from alignment.engine import ParticipantList

    return ParticipantList(
        providers=frozenset({(ACO_TIN, PCP_NPI), (ACO_TIN, NP_NPI), (ACO_TIN, CARDIO_NPI)}),
        preferred=frozenset({(OTHER_TIN_3, OTHER_NPI_2)}),
    )


def run_reach(
    pop: Population,
    *,
    year: int = 2025,
    list_kind: str = "final",
    as_of: date | None = None,
    participants: Any = None,
    **overrides: Any,
) -> pd.DataFrame:
    from alignment.engine import ListKind, align_reach, reach_parameters
    from alignment.engine.reach import windows_for

    params = reach_parameters(year, **overrides)
    windows = windows_for(
        params, list_kind=ListKind(list_kind), as_of=as_of or date(year + 1, 4, 1)
    )
    result = align_reach(
        participants=participants or reach_participants(),
        params=params,
        windows=windows,
        **pop.frames(),
    )
    return result.set_index(c.BENE_ID)
