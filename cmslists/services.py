"""Loading CMS's lists: one report for one entity, all or nothing, once.

`cms_list_load` reads the report's files against their layout (cmslists.layouts), checks every
row and the tables against each other, and stores the list with its rows in one transaction.
Any error rejects the whole report, and the error names the file, the line and the column. The
same files loaded again (the same digest) are not stored twice: the load returns the list
already there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from beneficiaries.services import beneficiaries_for_mbis
from cmslists.layouts import MSSP_ALR, REACH_BAR, layout
from cmslists.models import (
    ANNUAL_KINDS,
    MSSP_KINDS,
    REACH_KINDS,
    CmsList,
    CmsListBeneficiary,
    CmsListProvider,
    ExclusionReason,
    ListKind,
    Status,
)
from cmslists.parser import ParsedTable, RowError, parse_table
from core import display
from core.api import ApplicationError
from core.uploads import nul_problem

# The report's file name, as CMS names ALR files: P.A1234.ACO.QALR.2025Q2.D259999.T0200000_1-1.csv
# (the table number after the last underscore). Only the ACO ID, the year and quarter and the
# table are read from it.
TABLE_RE = re.compile(r"_(1-\d{1,2})\.csv$", re.IGNORECASE)
ACO_ID_RE = re.compile(r"^P\.([A-Z]\d{4})\.", re.IGNORECASE)
QUARTER_RE = re.compile(r"\.(20\d\d)Q([1-4])\.", re.IGNORECASE)
ERRORS_SHOWN = 20


@dataclass(frozen=True)
class LoadResult:
    cms_list: CmsList
    created: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "cms_list_id": self.cms_list.pk,
            "created": self.created,
            "list": self.cms_list.label,
            "assigned": self.cms_list.assigned_count,
            "excluded": self.cms_list.excluded_count,
        }


def _fail(errors: list[RowError]) -> ApplicationError:
    shown = "; ".join(str(e) for e in errors[:ERRORS_SHOWN])
    more = f" (and {len(errors) - ERRORS_SHOWN} more)" if len(errors) > ERRORS_SHOWN else ""
    first = errors[0]
    return ApplicationError(
        f"The report was not loaded, nothing was stored. {display.counted(len(errors), 'error')}: {shown}{more}",
        {"field": first.column or "file", "errors": [e.as_dict() for e in errors[:200]]},
    )


def _check_parameters(
    entity: Any, kind: str, performance_year: int, period: int, list_date: dt.date
) -> None:
    program = entity.program.code
    if kind not in ListKind.values:
        raise ApplicationError(f"Unknown list kind {kind!r}.", {"field": "kind"})
    allowed = MSSP_KINDS if program == "mssp" else REACH_KINDS if program == "reach" else ()
    if kind not in allowed:
        raise ApplicationError(
            f"A {ListKind(kind).label} cannot be loaded for {entity.cms_id}, a {entity.program.name} entity.",
            {"field": "kind"},
        )
    if kind in ANNUAL_KINDS and period != 0:
        raise ApplicationError(
            f"A {ListKind(kind).label} covers the whole year: leave the quarter blank.",
            {"field": "period"},
        )
    if kind not in ANNUAL_KINDS and period not in (1, 2, 3, 4):
        raise ApplicationError(
            f"A {ListKind(kind).label} covers one quarter: give the quarter (1-4).",
            {"field": "period"},
        )
    if not performance_year - 1 <= list_date.year <= performance_year + 1:
        raise ApplicationError(
            f"List date {list_date:%Y-%m-%d} is not near performance year {performance_year}.",
            {"field": "list_date"},
        )


def _tables(
    entity: Any, report: str, files: list[tuple[str, bytes]], performance_year: int, period: int
) -> tuple[dict[str, tuple[str, str]], list[RowError]]:
    """table -> (file name, text), and the errors of the files as files."""
    errors: list[RowError] = []
    tables: dict[str, tuple[str, str]] = {}
    known = layout(report)
    if not files:
        return tables, [RowError("report", 0, "file", "no file was given")]
    if report == REACH_BAR and len(files) != 1:
        return tables, [RowError("report", 0, "file", "an alignment report is one CSV file")]
    for name, content in files:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors.append(RowError(name, 0, "", "the file is not UTF-8 text"))
            continue
        problem = nul_problem(text)
        if problem is not None:
            errors.append(RowError(name, 0, "", problem))
            continue
        aco = ACO_ID_RE.match(name)
        if aco and aco.group(1).upper() != entity.cms_id.upper():
            errors.append(
                RowError(name, 0, "", f"the file is for ACO {aco.group(1)}, not {entity.cms_id}")
            )
            continue
        quarter = QUARTER_RE.search(name)
        if quarter and (int(quarter.group(1)), int(quarter.group(2))) != (performance_year, period):
            errors.append(
                RowError(
                    name, 0, "",
                    f"the file is for {quarter.group(1)} Q{quarter.group(2)}, not "
                    f"{performance_year} Q{period}",
                )
            )  # fmt: skip
            continue
        if report == REACH_BAR:
            table = "BAR"
        else:
            match = TABLE_RE.search(name)
            if match is None or match.group(1) not in known:
                errors.append(
                    RowError(
                        name, 0, "",
                        "the file name does not end with a table this report's layout has "
                        f"({', '.join('_' + t + '.csv' for t in known)})",
                    )
                )  # fmt: skip
                continue
            table = match.group(1)
        if table in tables:
            errors.append(RowError(name, 0, "", f"table {table} is given twice"))
            continue
        tables[table] = (name, text)
    if report == MSSP_ALR and not errors and "1-1" not in tables:
        errors.append(
            RowError("report", 0, "file", "table 1-1 (assigned beneficiaries) is missing")
        )
    return tables, errors


PERSON = {
    "BENE_1ST_NAME": "first_name",
    "BENE_LAST_NAME": "last_name",
    "BENE_BRTH_DT": "birth_date",
    "BENE_SEX_CD": "sex_code",
    "BENE_DEATH_DT": "death_date",
}


def _reasons(report: str, table: str, row: dict[str, Any]) -> list[tuple[str, str]]:
    """(flag column, reason) of every reason flag set on the row, in layout order."""
    return [
        (c.name, c.kind.split(":", 1)[1])
        for c in layout(report)[table]
        if c.kind.startswith("reason:") and row.get(c.name)
    ]


def _rows(
    report: str, parsed: dict[str, ParsedTable]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[RowError]]:
    """The list's beneficiary rows and provider rows (MBI-keyed), and the cross-table errors."""
    errors: list[RowError] = []
    people: list[dict[str, Any]] = []
    providers: list[dict[str, Any]] = []
    main = parsed["BAR" if report == REACH_BAR else "1-1"]
    status_of: dict[str, str] = {}
    for row in main.rows:
        person = {"mbi": row["BENE_MBI_ID"], "table": main.table, "line": row["_line"]}
        person.update({k: row.get(c) for c, k in PERSON.items()})
        if report == REACH_BAR:
            excluded = row["ALGN_STATUS"] == "E"
            reason = row.get("EXCLUSION_REASON")
            if excluded and not reason:
                errors.append(
                    RowError(
                        main.file,
                        row["_line"],
                        "EXCLUSION_REASON",
                        "is required when ALGN_STATUS is E",
                    )
                )
            if not excluded and reason:
                errors.append(
                    RowError(
                        main.file,
                        row["_line"],
                        "EXCLUSION_REASON",
                        "is given for an aligned beneficiary (ALGN_STATUS A)",
                    )
                )
            person.update(
                status=Status.EXCLUDED if excluded else Status.ASSIGNED,
                reason=reason or "" if excluded else "",
                reason_flags=["EXCLUSION_REASON"] if excluded else [],
                voluntary=row["VA_FLAG"],
                voluntary_tin=row.get("VA_TIN") or "",
                voluntary_npi=row.get("VA_NPI") or "",
                claims_based=not row["VA_FLAG"],
                aligned_from=row.get("ALGN_EFCTV_DT"),
                aligned_to=row.get("ALGN_END_DT"),
            )
            if row["VA_FLAG"] and not row.get("VA_NPI"):
                errors.append(
                    RowError(main.file, row["_line"], "VA_NPI", "is required when VA_FLAG is 1")
                )
            if row.get("ALGN_TIN") and not excluded:
                providers.append(
                    {"mbi": person["mbi"], "kind": "tin", "identifier": row["ALGN_TIN"],
                     "npi": row.get("ALGN_NPI") or "", "service_count": 0, "table": main.table,
                     "line": row["_line"]}
                )  # fmt: skip
        else:
            flags = _reasons(report, "1-1", row)
            excluded = bool(row.get("EXCLUDED")) or bool(flags)
            person.update(
                status=Status.EXCLUDED if excluded else Status.ASSIGNED,
                reason=(flags[0][1] if flags else ExclusionReason.OTHER) if excluded else "",
                reason_flags=[name for name, _ in flags]
                + (["EXCLUDED"] if row.get("EXCLUDED") else []),
                voluntary=bool(row.get("IN_VA_MAX")),
                voluntary_tin=row.get("VA_TIN") or "",
                voluntary_npi=row.get("VA_NPI") or "",
                claims_based=bool(row.get("CBA_FLAG")),
                assignment_step=row.get("ASSIGNMENT_TYPE") or "",
                enrollment_months="".join(row.get(f"ENROLLFLAG{m}") or "0" for m in range(1, 13))
                if any(row.get(f"ENROLLFLAG{m}") for m in range(1, 13))
                else "",
            )
        status_of[person["mbi"]] = person["status"]
        people.append(person)
    if "1-5" in parsed:
        table = parsed["1-5"]
        for row in table.rows:
            mbi = row["BENE_MBI_ID"]
            if status_of.get(mbi) == Status.ASSIGNED:
                errors.append(
                    RowError(
                        table.file,
                        row["_line"],
                        "BENE_MBI_ID",
                        "the beneficiary is assigned in table 1-1 and also in the turnover table 1-5",
                    )
                )
                continue
            if mbi in status_of:  # excluded in 1-1 already, with its reason there
                continue
            flags = _reasons(report, "1-5", row)
            person = {"mbi": mbi, "table": "1-5", "line": row["_line"]}
            person.update({k: row.get(c) for c, k in PERSON.items()})
            person.update(
                status=Status.EXCLUDED,
                reason=flags[0][1] if flags else ExclusionReason.OTHER,
                reason_flags=[name for name, _ in flags],
            )
            status_of[mbi] = Status.EXCLUDED
            people.append(person)
    # Table 1-2: beneficiary x participant TIN/CCN with the primary care service lines; Table
    # 1-4: beneficiary x TIN/CCN x NPI with the primary care services counted for the NPI.
    for name, npi_column, count_column in (
        ("1-2", "", "B_EM_LINE_CNT_T"),
        ("1-4", "NPI_USED", "PCS_COUNT"),
    ):
        if name not in parsed:
            continue
        table = parsed[name]
        for row in table.rows:
            mbi = row["BENE_MBI_ID"]
            if status_of.get(mbi) != Status.ASSIGNED:
                errors.append(
                    RowError(
                        table.file,
                        row["_line"],
                        "BENE_MBI_ID",
                        "the beneficiary is not an assigned beneficiary of table 1-1",
                    )
                )
                continue
            kind, identifier = row["MASTER_ID"]
            providers.append(
                {"mbi": mbi, "kind": kind, "identifier": identifier,
                 "npi": row.get(npi_column) or "" if npi_column else "",
                 "service_count": row.get(count_column) or 0, "table": name, "line": row["_line"]}
            )  # fmt: skip
    # Tables 1-6 (assignable or voluntarily aligned) and 1-9 (underserved indicators) are read
    # and checked against their layout, counted in the list's files, and not stored: nothing
    # the platform computes reads them yet.
    return people, providers, errors


def cms_list_load(
    *,
    entity: Any,
    kind: str,
    performance_year: int,
    list_date: dt.date,
    files: list[tuple[str, bytes]],
    period: int = 0,
    user: Any = None,
) -> LoadResult:
    """Load one CMS report (its files as (name, content)) for the entity. All or nothing;
    the same files again return the list already stored (`created` False)."""
    _check_parameters(entity, kind, performance_year, period, list_date)
    digest = hashlib.sha256()
    for name, content in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    sha = digest.hexdigest()
    existing = CmsList.objects.filter(entity=entity, sha256=sha).first()
    if existing is not None:
        return LoadResult(existing, created=False)
    report = MSSP_ALR if kind in MSSP_KINDS else REACH_BAR
    tables, errors = _tables(entity, report, files, performance_year, period)
    if errors:
        raise _fail(errors)
    parsed = {
        table: parse_table(report=report, table=table, file=name, text=text, errors=errors)
        for table, (name, text) in sorted(tables.items())
    }
    if errors:
        raise _fail(errors)
    people, providers, errors = _rows(report, parsed)
    if errors:
        raise _fail(errors)
    stem = TABLE_RE.sub("", sorted(tables.values())[0][0]) if report == MSSP_ALR else files[0][0]
    with transaction.atomic():
        ids = beneficiaries_for_mbis(
            entity_id=entity.pk,
            people={p["mbi"]: {k: p.get(k) for k in PERSON.values()} for p in people},
            seen_on=list_date,
        )
        cms_list = CmsList.objects.create(
            entity=entity,
            kind=kind,
            performance_year=performance_year,
            period=period,
            list_date=list_date,
            name=stem[:200],
            sha256=sha,
            files=[
                {"name": name, "table": table, "rows": len(parsed[table].rows)}
                for table, (name, _text) in sorted(tables.items())
            ],
            assigned_count=sum(1 for p in people if p["status"] == Status.ASSIGNED),
            excluded_count=sum(1 for p in people if p["status"] == Status.EXCLUDED),
            voluntary_count=sum(
                1 for p in people if p["status"] == Status.ASSIGNED and p.get("voluntary")
            ),
            tin_count=len({p["identifier"] for p in providers if p["kind"] == "tin"}),
            loaded_by=user if getattr(user, "is_authenticated", False) else None,
        )
        fields = {f.name for f in CmsListBeneficiary._meta.concrete_fields}
        CmsListBeneficiary.objects.bulk_create(
            [
                CmsListBeneficiary(
                    cms_list=cms_list,
                    beneficiary_id=ids[p["mbi"]],
                    source_table=p["table"],
                    source_line=p["line"],
                    **{
                        k: (
                            ""
                            if v is None
                            and k not in ("birth_date", "death_date", "aligned_from", "aligned_to")
                            else v
                        )
                        for k, v in p.items()
                        if k in fields and k not in ("beneficiary",)
                    },
                )  # fmt: skip
                for p in people
            ],
            batch_size=5000,
        )
        CmsListProvider.objects.bulk_create(
            [
                CmsListProvider(
                    cms_list=cms_list,
                    beneficiary_id=ids[p["mbi"]],
                    kind=p["kind"],
                    identifier=p["identifier"],
                    npi=p["npi"],
                    service_count=p["service_count"],
                    source_table=p["table"],
                    source_line=p["line"],
                )
                for p in providers
            ],
            batch_size=5000,
        )
    return LoadResult(cms_list, created=True)
