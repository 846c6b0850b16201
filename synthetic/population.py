"""Synthetic populations for alignment: beneficiaries, participant lists and final-action claims,
generated with numpy (no per-row Python) and written straight into the beneficiaries, entities and
claims tables. Used by the benchmark (250,000 beneficiaries, 25 million claim lines), the job tests
and the demo. Everything is synthetic: MBIs, NPIs and TINs are generated, valid in form only.

The claims are written as CCLF5 (Part B lines) and CCLF1/CCLF2 (FQHC/RHC, SNF and inpatient
claims) rows of one synthetic delivery, with a few cancellations and denied lines, so that the
claims app's final-action rules have something to do.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from django.db import connection, transaction

from beneficiaries.models import Beneficiary
from claims.models import Delivery, DeliveryFile
from core.rls import bulk_write
from entities.choices import ParticipationRole
from entities.models import Entity, ParticipantOrganization, Participation, Provider, SpecialtyCode
from synthetic.identifiers import mbis, npis, tins

PCP_SPECIALTIES = np.array(["01", "08", "11", "38"])
NPP_SPECIALTIES = np.array(["50", "97", "89"])
LISTED_SPECIALTIES = np.array(["06", "13", "29", "39", "46", "66", "16", "26"])
OTHER_SPECIALTIES = np.array(["02", "20", "30", "69", "18", "41"])

PC_CODES = np.array(
    ["99213", "99214", "99215", "99212", "G0439", "99497", "99309", "99490", "99441", "G2211"]
)
PC_CODE_WEIGHTS = np.array([0.36, 0.27, 0.06, 0.06, 0.06, 0.03, 0.06, 0.05, 0.02, 0.03])
PC_MEAN_CENTS = np.array([9200, 13000, 18000, 5600, 17500, 8600, 9800, 6200, 5000, 1600])
OTHER_CODES = np.array(
    ["80053", "85025", "36415", "71046", "93000", "20610", "77067", "88305", "J1100", "97110"]
)
OTHER_MEAN_CENTS = np.array([1100, 800, 300, 2900, 1700, 6500, 14000, 7200, 100, 3100])
US_STATES = np.array(["06", "12", "36", "48", "17", "42", "39", "13", "37", "26"])


def _choice(
    rng: np.random.Generator, values: npt.NDArray[Any], n: int, p: Any = None
) -> npt.NDArray[Any]:
    return values[rng.choice(len(values), size=n, p=p)]


@dataclass(frozen=True)
class SynthConfig:
    beneficiaries: int
    claim_lines: int
    seed: int = 20260101
    first_day: date = date(2023, 1, 1)
    last_day: date = date(2025, 12, 31)
    aco_tins: int = 60
    aco_npis: int = 1200
    external_tins: int | None = None
    external_npis: int | None = None
    voluntary_share: float = 0.02
    program: str = "mssp"


@dataclass
class Synth:
    providers: pd.DataFrame  # tin, npi, specialty, aco, role
    aco_ccns: list[str]
    benes: pd.DataFrame  # mbi, part_a_start, part_b_start, death_date, state_fips
    part_b_context: dict[str, Any]
    part_a: (
        pd.DataFrame
    )  # bene, claim_id, cntl, claim_type, from, thru, bill (3 chars), ccn, npi, cents
    revenue: pd.DataFrame  # claim_id, line_num, date, rev, hcpcs, cents
    voluntary: pd.DataFrame  # bene, tin, npi, signed
    config: SynthConfig

    def part_b_chunks(self) -> Iterator[pd.DataFrame]:
        """The Part B lines (bene, claim_id, line_num, cntl, adj, efctv, date, hcpcs, cents, tin,
        npi, specialty, pos, prcsg), generated chunk by chunk to bound memory."""
        total = self.config.claim_lines
        for k, start in enumerate(range(0, total, PART_B_CHUNK_LINES)):
            rng = np.random.default_rng([self.config.seed, k])
            size = min(PART_B_CHUNK_LINES, total - start)
            yield _part_b(rng, size, claim_offset=k * PART_B_CHUNK_LINES, ctx=self.part_b_context)


PART_B_CHUNK_LINES = 2_000_000


def _part_b(
    rng: np.random.Generator, target: int, claim_offset: int, ctx: dict[str, Any]
) -> pd.DataFrame:
    """About `target` Part B lines: 40% primary care claims (1.25 lines on average: an E/M and
    sometimes an add-on) mostly from the beneficiary's usual clinicians, and other claims (2.5
    lines: labs, imaging, procedures) from specialists and other suppliers."""
    b = len(ctx["home_pcp"])
    n_claims = max(1, int(target / 2.0 * 1.05) + 10)
    c_bene = np.minimum(
        np.searchsorted(ctx["activity_cdf"], rng.random(n_claims), side="right"), b - 1
    )
    c_day = ctx["first"] + rng.integers(0, ctx["span"], n_claims).astype("timedelta64[D]")
    c_pc = rng.random(n_claims) < 0.4
    who = rng.random(n_claims)
    usual = np.where(
        who < 0.6,
        ctx["home_pcp"][c_bene],
        np.where(
            who < 0.75,
            ctx["second_pcp"][c_bene],
            np.where(who < 0.9, ctx["home_npp"][c_bene], ctx["spec"][c_bene, 0]),
        ),
    )
    other = np.where(
        rng.random(n_claims) < 0.5, ctx["spec"][c_bene, 1], rng.choice(ctx["other_all"], n_claims)
    )
    provider = np.where(c_pc, usual, other)
    c_lines = np.where(c_pc, 1 + (rng.random(n_claims) < 0.25), rng.integers(1, 5, n_claims))
    n_claims = int((np.cumsum(c_lines) <= target).sum())
    c_bene, c_day, c_pc, provider, c_lines = (
        x[:n_claims] for x in (c_bene, c_day, c_pc, provider, c_lines)
    )
    n_lines = int(c_lines.sum())
    l_claim = np.repeat(np.arange(n_claims), c_lines)
    first_line = np.concatenate([[0], np.cumsum(c_lines)[:-1]])
    l_num = np.arange(n_lines) - np.repeat(first_line, c_lines) + 1
    l_pc = c_pc[l_claim] & (l_num == 1)
    pc_code = rng.choice(len(PC_CODES), n_lines, p=PC_CODE_WEIGHTS)
    ot_code = rng.integers(0, len(OTHER_CODES), n_lines)
    hcpcs = np.where(l_pc, PC_CODES[pc_code], OTHER_CODES[ot_code])
    mean = np.where(l_pc, PC_MEAN_CENTS[pc_code], OTHER_MEAN_CENTS[ot_code])
    cents = np.maximum(1, (mean * rng.lognormal(0.0, 0.25, n_lines)).astype(np.int64))
    cents[rng.random(n_lines) < 0.01] = 0
    pos = np.full(n_lines, "11", dtype="<U2")
    nf = hcpcs == "99309"
    pos[nf] = np.where(rng.random(int(nf.sum())) < 0.6, "31", "32")
    pos[(hcpcs == "99497") & (rng.random(n_lines) < 0.3)] = "21"
    prcsg = np.where(rng.random(n_lines) < 0.015, "D", "A")
    l_prov = provider[l_claim]
    claim_id = np.arange(n_claims, dtype=np.int64) + 10_000_000_000 + claim_offset
    part_b = pd.DataFrame(
        {
            "bene": c_bene[l_claim],
            "claim_id": claim_id[l_claim],
            "line_num": l_num,
            "cntl": claim_id[l_claim],
            "adj": "0",
            "efctv": c_day[l_claim],
            "date": c_day[l_claim],
            "hcpcs": pd.Categorical(hcpcs),
            "cents": cents,
            "tin": pd.Categorical(ctx["tin"][l_prov]),
            "npi": pd.Categorical(ctx["npi"][l_prov]),
            "specialty": pd.Categorical(ctx["specialty"][l_prov]),
            "pos": pd.Categorical(pos),
            "prcsg": pd.Categorical(prcsg),
        }
    )
    # One claim in a hundred was cancelled and re-issued: the cancellation repeats the original
    # (same control number, later effective date) and the adjustment replaces it.
    redo = np.flatnonzero(rng.random(n_claims) < 0.01)
    if len(redo):
        orig = part_b[np.isin(part_b["claim_id"].to_numpy(), claim_id[redo])]
        later = orig["efctv"] + np.timedelta64(30, "D")
        cancel = orig.assign(claim_id=orig["claim_id"] + 20_000_000_000, adj="1", efctv=later)
        adjusted = orig.assign(
            claim_id=orig["claim_id"] + 40_000_000_000,
            adj="2",
            efctv=later,
            cents=(orig["cents"] * 11 // 10),
        )
        part_b = pd.concat([part_b, cancel, adjusted], ignore_index=True)
    return part_b


def generate(cfg: SynthConfig) -> Synth:
    """A population where about half the beneficiaries see one of the entity's PCPs."""
    rng = np.random.default_rng(cfg.seed)
    b = cfg.beneficiaries
    ext_tins = cfg.external_tins or max(200, b // 20)
    ext_npis = cfg.external_npis or max(800, b // 6)

    # Providers: the entity's (participants; REACH adds preferred ones) and everyone else's.
    n_prov = cfg.aco_npis + ext_npis
    npi = npis(cfg.seed % 1000 * 10_000_000, n_prov)
    aco = np.zeros(n_prov, dtype=bool)
    aco[: cfg.aco_npis] = True
    tin_ids = np.concatenate(
        [
            rng.integers(0, cfg.aco_tins, cfg.aco_npis),
            cfg.aco_tins + rng.integers(0, ext_tins, ext_npis),
        ]
    )
    tin = tins(tin_ids, base=300_000_000 + cfg.seed % 1000 * 100_000)
    kind = rng.choice(4, size=n_prov, p=[0.45, 0.15, 0.25, 0.15])  # pcp, npp, listed, other
    specialty = np.empty(n_prov, dtype=object)
    for k, pool in enumerate(
        (PCP_SPECIALTIES, NPP_SPECIALTIES, LISTED_SPECIALTIES, OTHER_SPECIALTIES)
    ):
        mask = kind == k
        specialty[mask] = _choice(rng, pool, int(mask.sum()))
    role = np.where(aco, ParticipationRole.PARTICIPANT.value, "")
    if cfg.program == "reach":
        # A tenth of the entity's clinicians are preferred providers: never used for alignment.
        preferred = aco & (rng.random(n_prov) < 0.1)
        role = np.where(preferred, ParticipationRole.PREFERRED.value, role)
    providers = pd.DataFrame(
        {"tin": tin, "npi": npi, "specialty": specialty, "aco": aco, "kind": kind, "role": role}
    )
    pcp_idx = {True: np.flatnonzero(aco & (kind == 0)), False: np.flatnonzero(~aco & (kind == 0))}
    npp_idx = {True: np.flatnonzero(aco & (kind == 1)), False: np.flatnonzero(~aco & (kind == 1))}
    spec_all = np.flatnonzero(kind == 2)
    other_all = np.flatnonzero(kind == 3)

    # Beneficiaries and their usual clinicians.
    first = np.datetime64(cfg.first_day, "D")
    span = int((np.datetime64(cfg.last_day, "D") - first).astype(int)) + 1
    home_aco = rng.random(b) < 0.55
    home_pcp = np.where(home_aco, rng.choice(pcp_idx[True], b), rng.choice(pcp_idx[False], b))
    second_pcp = rng.choice(pcp_idx[False], b)
    home_npp = np.where(
        rng.random(b) < 0.8, rng.choice(npp_idx[True], b), rng.choice(npp_idx[False], b)
    )
    home_npp = np.where(home_aco, home_npp, rng.choice(npp_idx[False], b))
    spec = rng.choice(spec_all, (b, 2))
    activity = rng.gamma(1.5, 1.0, b)

    part_a_start = np.datetime64("2015-01-01") + rng.integers(0, 3000, b).astype("timedelta64[D]")
    late_b = rng.random(b) < 0.03
    part_b_start = np.where(late_b, np.datetime64("2025-06-01"), part_a_start)
    dies = rng.random(b) < 0.05
    death = np.where(
        dies,
        np.datetime64("2025-01-01") + rng.integers(0, 360, b).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    )
    state = _choice(rng, US_STATES, b)
    state[rng.random(b) < 0.004] = "99"
    benes = pd.DataFrame(
        {
            "mbi": mbis(cfg.seed % 1000 * 1_000_000, b),
            "part_a_start": part_a_start,
            "part_b_start": part_b_start,
            "death_date": death,
            "state_fips": state,
        }
    )

    ctx = {
        "activity_cdf": np.cumsum(activity / activity.sum()), "home_pcp": home_pcp, "second_pcp": second_pcp,
        "home_npp": home_npp, "spec": spec, "other_all": other_all, "first": first, "span": span,
        "tin": providers["tin"].to_numpy(), "npi": providers["npi"].to_numpy(), "specialty": providers["specialty"].to_numpy(),
    }  # fmt: skip

    # Part A: FQHC/RHC visits, SNF stays and inpatient stays.
    aco_ccns = [f"{10 + i:02d}1{800 + i:03d}" for i in range(3)]
    ext_ccns = np.array(
        [f"{20 + i % 40:02d}{1800 + i:04d}"[-6:] for i in range(max(10, b // 2000))], dtype=object
    )
    fq_users = np.flatnonzero(rng.random(b) < 0.06)
    fq_ccn = np.where(
        rng.random(len(fq_users)) < 0.35,
        np.array(aco_ccns, dtype=object)[rng.integers(0, 3, len(fq_users))],
        rng.choice(ext_ccns, len(fq_users)),
    )
    visits = rng.integers(2, 12, len(fq_users))
    fq_bene = np.repeat(fq_users, visits)
    fq_day = first + rng.integers(0, span, len(fq_bene)).astype("timedelta64[D]")
    fq_npi = np.where(
        np.isin(np.repeat(fq_ccn, visits), aco_ccns),
        rng.choice(pcp_idx[True], len(fq_bene)),
        rng.choice(pcp_idx[False], len(fq_bene)),
    )
    snf_bene = np.flatnonzero(rng.random(b) < 0.06)
    snf_from = first + rng.integers(0, span - 40, len(snf_bene)).astype("timedelta64[D]")
    snf_len = rng.integers(5, 35, len(snf_bene)).astype("timedelta64[D]")
    ip_bene = np.flatnonzero(rng.random(b) < 0.08)
    ip_from = first + rng.integers(0, span - 10, len(ip_bene)).astype("timedelta64[D]")
    ip_len = rng.integers(2, 8, len(ip_bene)).astype("timedelta64[D]")
    n_fq, n_snf, n_ip = len(fq_bene), len(snf_bene), len(ip_bene)
    a_claim = np.arange(n_fq + n_snf + n_ip, dtype=np.int64) + 90_000_000_000
    part_a = pd.DataFrame(
        {
            "bene": np.concatenate([fq_bene, snf_bene, ip_bene]),
            "claim_id": a_claim,
            "claim_type": np.concatenate(
                [np.full(n_fq, "40"), np.full(n_snf, "20"), np.full(n_ip, "60")]
            ).astype(object),
            "from": np.concatenate([fq_day, snf_from, ip_from]),
            "thru": np.concatenate([fq_day, snf_from + snf_len, ip_from + ip_len]),
            "bill": np.concatenate(
                [np.full(n_fq, "771"), np.full(n_snf, "211"), np.full(n_ip, "111")]
            ).astype(object),
            "ccn": np.concatenate(
                [np.repeat(fq_ccn, visits), np.full(n_snf, "015001"), np.full(n_ip, "010001")]
            ).astype(object),
            "npi": np.concatenate(
                [providers["npi"].to_numpy()[fq_npi], np.full(n_snf, ""), np.full(n_ip, "")]
            ).astype(object),
            "cents": np.concatenate(
                [
                    rng.integers(9000, 20000, n_fq),
                    rng.integers(500_000, 2_000_000, n_snf),
                    rng.integers(800_000, 3_000_000, n_ip),
                ]
            ),
        }
    )
    revenue = pd.DataFrame(
        {
            "claim_id": a_claim[:n_fq],
            "line_num": 1,
            "date": fq_day,
            "rev": "0521",
            "hcpcs": np.where(rng.random(n_fq) < 0.7, "G0467", "99213").astype(object),
            "cents": part_a["cents"].to_numpy()[:n_fq],
        }
    )

    # Voluntary alignment: a few beneficiaries designated one of the entity's clinicians.
    va = np.flatnonzero(rng.random(b) < cfg.voluntary_share)
    va_prov = rng.choice(np.flatnonzero(aco & (role != ParticipationRole.PREFERRED.value)), len(va))
    voluntary = pd.DataFrame(
        {
            "bene": va,
            "tin": providers["tin"].to_numpy()[va_prov],
            "npi": providers["npi"].to_numpy()[va_prov],
            "signed": np.datetime64("2024-03-01")
            + rng.integers(0, 200, len(va)).astype("timedelta64[D]"),
        }
    )
    return Synth(providers, aco_ccns, benes, ctx, part_a, revenue, voluntary, cfg)


# ------------------------------------------------------------------ writing it to the database


def _copy(
    table: str,
    columns: list[str],
    frame: pd.DataFrame,
    chunk: int = 1_000_000,
    *,
    binary: bool = False,
) -> None:
    """COPY a frame into a table (PostgreSQL); executemany elsewhere (the SQLite demo). `binary`:
    the table's columns are bigint for the frame's integer columns and text for the others (the
    stage tables), so rows of one width can go in PostgreSQL's binary format.

    Synthetic data is written by the role the process logged in as (the tables' owner), outside
    any row-security scope: PostgreSQL refuses COPY under row-level security."""
    if frame.empty:
        return
    with bulk_write(), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            placeholders = ", ".join(["%s"] * len(columns))
            records = (
                frame.astype(object).where(frame.notna(), None).itertuples(index=False, name=None)
            )
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608 - our table names
                list(records),
            )
            return
        raw = cursor.cursor
        rows = _binary_rows(frame) if binary else None
        if rows is not None:
            # The stage tables' rows are all of one width: PostgreSQL's binary COPY format built
            # by numpy in one pass (25 million lines in seconds, where rendering text took minutes).
            with raw.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.write(_BINARY_HEADER)
                for start in range(0, len(rows), chunk):
                    copy.write(rows[start : start + chunk].tobytes())
                copy.write(b"\xff\xff")
            return
        for start in range(0, len(frame), chunk):
            buffer = io.StringIO()
            frame.iloc[start : start + chunk].to_csv(
                buffer, header=False, index=False, na_rep="\\N", sep="\t"
            )
            with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())


# PostgreSQL's binary COPY: signature, flags, header extension length; then per row the field
# count and each field as its length and bytes (big-endian); -1 as the field count ends the data.
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")


def _binary_rows(frame: pd.DataFrame) -> npt.NDArray[np.void] | None:
    """The frame's rows in binary COPY format, for a table whose integer columns are bigint and
    whose other columns are text; None when a row's width varies (a NULL, text of another
    length, non-ASCII text): those frames are rendered as text instead."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    values: list[tuple[str, npt.NDArray[Any], int]] = []
    for k, name in enumerate(frame.columns):
        column = frame[name]
        if column.isna().any():
            return None
        if pd.api.types.is_integer_dtype(column.dtype):
            fields += [(f"n{k}", ">i4"), (f"v{k}", ">i8")]
            values.append((f"v{k}", column.to_numpy(dtype=np.int64), 8))
            continue
        if isinstance(column.dtype, pd.CategoricalDtype):
            categories = _ascii(column.cat.categories.to_numpy(dtype=object))
            if categories is None:
                return None
            encoded = categories[column.cat.codes.to_numpy()]
        else:
            maybe = _ascii(column.to_numpy(dtype=object))
            if maybe is None:
                return None
            encoded = maybe
        width = encoded.dtype.itemsize if len(encoded) else 0
        if len(encoded) and int(np.char.str_len(encoded).min()) != width:
            return None
        fields.append((f"n{k}", ">i4"))
        if width:
            fields.append((f"v{k}", f"S{width}"))
            values.append((f"v{k}", encoded, width))
        else:
            values.append((f"v{k}", encoded, 0))
    rows = np.empty(len(frame), dtype=np.dtype(fields))
    rows["count"] = len(frame.columns)
    for name, array, width in values:
        rows[f"n{name[1:]}"] = width
        if width:
            rows[name] = array
    return rows


def _ascii(values: npt.NDArray[np.object_]) -> npt.NDArray[np.bytes_] | None:
    try:
        return np.asarray(values.astype(str), dtype="S")
    except UnicodeEncodeError:
        return None


def _blank_filled(table: str, given: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Every column of a claims table: the given expressions, else '' for text and NULL for the rest."""
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, table)
    names, exprs = [], []
    for col in described:
        names.append(col.name)
        if col.name in given:
            exprs.append(str(given[col.name]))
        elif col.null_ok:
            exprs.append("NULL")
        else:
            exprs.append("''")
    return names, exprs


def _iso(values: pd.Series | npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    s = pd.Series(values)
    return s.dt.strftime("%Y-%m-%d").where(s.notna(), None).to_numpy(dtype=object)


def _days(values: pd.Series | npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Days since 1970-01-01, staged as integers: SQL turns them into dates (fast both ways)."""
    return np.asarray(values, dtype="datetime64[D]").astype(np.int64)


@transaction.atomic
def write(synth: Synth, *, entity: Entity, delivered: date = date(2026, 2, 1)) -> dict[str, int]:
    """Write the population for `entity`: participant list, beneficiaries, one delivery of claims.
    Returns row counts. Run once per entity (the claims' keys are fixed by the generator)."""
    _write_participants(synth, entity=entity)
    delivery = Delivery.objects.create(
        entity=entity,
        name=f"P.{entity.cms_id}.ACO.ZCY26.D260201.T0000000 (synthetic)",
        program_prefix=entity.cms_id[:1],
        kind="regular",
        performance_year=delivered.year,
        delivered_at=datetime(delivered.year, delivered.month, delivered.day, tzinfo=UTC),
        sha256="0" * 64,
        status="loaded",
    )
    files = {code: DeliveryFile.objects.create(delivery=delivery, file_code=code, name=f"synthetic {code}", status="loaded")
             for code in ("CCLF1", "CCLF2", "CCLF5", "CCLF8")}  # fmt: skip
    now = datetime.now(tz=UTC).isoformat()
    benes = synth.benes
    _copy(
        "beneficiaries_beneficiary",
        [
            "entity_id",
            "current_mbi",
            "first_name",
            "middle_name",
            "last_name",
            "sex_code",
            "race_code",
            "death_date",
            "medicare_status_code",
            "dual_status_code",
            "original_entitlement_code",
            "part_a_start",
            "part_b_start",
            "state_fips",
            "county_fips",
            "zip_code",
            "created_at",
            "updated_at",
        ],  # fmt: skip
        pd.DataFrame(
            {
                "entity_id": entity.pk,
                "current_mbi": benes["mbi"],
                "first_name": "",
                "middle_name": "",
                "last_name": "",
                "sex_code": "0",
                "race_code": "",
                "death_date": _iso(benes["death_date"]),
                "medicare_status_code": "10",
                "dual_status_code": "",
                "original_entitlement_code": "0",
                "part_a_start": _iso(benes["part_a_start"]),
                "part_b_start": _iso(benes["part_b_start"]),
                "state_fips": benes["state_fips"],
                "county_fips": "",
                "zip_code": "",
                "created_at": now,
                "updated_at": now,
            }  # fmt: skip
        ),
    )
    ids = pd.DataFrame(
        Beneficiary.objects.filter(entity=entity).values_list("id", "current_mbi"),
        columns=["id", "mbi"],
    )
    bene_id = benes[["mbi"]].merge(ids, on="mbi", how="left")["id"].to_numpy(dtype=np.int64)
    _copy(
        "beneficiaries_beneficiarymbi",
        ["entity_id", "mbi", "beneficiary_id", "first_seen_on"],
        pd.DataFrame(
            {
                "entity_id": entity.pk,
                "mbi": benes["mbi"],
                "beneficiary_id": bene_id,
                "first_seen_on": delivered.isoformat(),
            }
        ),
    )
    mbis = pd.DataFrame(
        Beneficiary.objects.filter(entity=entity).values_list("id", "mbis__id"),
        columns=["bene", "mbi_id"],
    ).set_index("bene")["mbi_id"]
    mbi_of = mbis.reindex(bene_id).to_numpy(dtype=np.int64)

    lineage = {
        "entity_id": entity.pk,
        "delivery_id": delivery.pk,
        "delivered_on": f"'{delivered.isoformat()}'",
    }
    part_b_lines = 0
    rebuild = _drop_secondary_indexes() if synth.config.claim_lines >= BULK_INDEX_LINES else []
    for pb in synth.part_b_chunks():
        stage_b = pd.DataFrame(
            {
                "mbi_id": mbi_of[pb["bene"].to_numpy()],
                "claim_id": pb["claim_id"],
                "line_num": pb["line_num"],
                "cntl": pb["cntl"],
                "adj": pb["adj"],
                "efctv": _days(pb["efctv"]),
                "day": _days(pb["date"]),
                "hcpcs": pb["hcpcs"],
                "cents": pb["cents"],
                "tin": pb["tin"],
                "npi": pb["npi"],
                "specialty": pb["specialty"],
                "pos": pb["pos"],
                "prcsg": pb["prcsg"],
                "source_line": np.arange(1, len(pb) + 1) + part_b_lines,
            }  # fmt: skip
        )
        part_b_lines += len(pb)
        _stage_and_insert(
            "claims_partbphysicianline",
            stage_b,
            {
                **lineage,
                "source_file_id": files["CCLF5"].pk,
                "source_line": "s.source_line",
                "mbi_id": "s.mbi_id",
                "cur_clm_uniq_id": "s.claim_id",
                "clm_line_num": "s.line_num",
                "clm_type_cd": "'71'",
                "clm_from_dt": "s.day",
                "clm_thru_dt": "s.day",
                "clm_line_from_dt": "s.day",
                "clm_line_thru_dt": "s.day",
                "clm_prvdr_spclty_cd": "s.specialty",
                "clm_pos_cd": "s.pos",
                "clm_line_hcpcs_cd": "s.hcpcs",
                "clm_line_cvrd_pd_amt": _money("s.cents", 0.8),
                "clm_line_alowd_chrg_amt": _money("s.cents"),
                "clm_rndrg_prvdr_tax_num": "s.tin",
                "rndrg_prvdr_npi_num": "s.npi",
                "clm_carr_pmt_dnl_cd": "'1'",
                "clm_prcsg_ind_cd": "s.prcsg",
                "clm_adjsmt_type_cd": "s.adj",
                "clm_efctv_dt": "s.efctv",
                "clm_idr_ld_dt": "s.efctv",
                "clm_cntl_num": "CAST(s.cntl AS TEXT)",
                "clm_line_srvc_unit_qty": "1",
            },  # fmt: skip
        )
    pa = synth.part_a
    stage_a = pd.DataFrame(
        {
            "mbi_id": mbi_of[pa["bene"].to_numpy()],
            "claim_id": pa["claim_id"],
            "claim_type": pa["claim_type"],
            "from_day": _days(pa["from"]),
            "thru_day": _days(pa["thru"]),
            "fac": pa["bill"].str[0],
            "cls": pa["bill"].str[1],
            "freq": pa["bill"].str[2],
            "ccn": pa["ccn"],
            "npi": pa["npi"],
            "cents": pa["cents"],
            "source_line": np.arange(1, len(pa) + 1),
        }  # fmt: skip
    )
    _stage_and_insert(
        "claims_partaclaimheader",
        stage_a,
        {
            **lineage,
            "source_file_id": files["CCLF1"].pk,
            "source_line": "s.source_line",
            "mbi_id": "s.mbi_id",
            "cur_clm_uniq_id": "s.claim_id",
            "prvdr_oscar_num": "s.ccn",
            "clm_type_cd": "s.claim_type",
            "clm_from_dt": "s.from_day",
            "clm_thru_dt": "s.thru_day",
            "clm_bill_fac_type_cd": "s.fac",
            "clm_bill_clsfctn_cd": "s.cls",
            "clm_bill_freq_cd": "s.freq",
            "clm_pmt_amt": _money("s.cents"),
            "atndg_prvdr_npi_num": "s.npi",
            "clm_adjsmt_type_cd": "'0'",
            "clm_efctv_dt": "s.thru_day",
            "clm_idr_ld_dt": "s.thru_day",
            "clm_blg_prvdr_oscar_num": "s.ccn",
            "clm_cntl_num": "CAST(s.claim_id AS TEXT)",
        },  # fmt: skip
    )
    rv = synth.revenue
    claim_mbi = dict(
        zip(
            pa["claim_id"].to_numpy()[: len(rv)],
            stage_a["mbi_id"].to_numpy()[: len(rv)],
            strict=True,
        )
    )
    stage_r = pd.DataFrame(
        {
            "mbi_id": rv["claim_id"].map(claim_mbi),
            "claim_id": rv["claim_id"],
            "line_num": rv["line_num"],
            "day": _days(rv["date"]),
            "rev": rv["rev"],
            "hcpcs": rv["hcpcs"],
            "cents": rv["cents"],
            "source_line": np.arange(1, len(rv) + 1),
        }  # fmt: skip
    )
    _stage_and_insert(
        "claims_partarevenuecenter",
        stage_r,
        {
            **lineage,
            "source_file_id": files["CCLF2"].pk,
            "source_line": "s.source_line",
            "mbi_id": "s.mbi_id",
            "cur_clm_uniq_id": "s.claim_id",
            "clm_line_num": "s.line_num",
            "clm_type_cd": "'40'",
            "clm_line_from_dt": "s.day",
            "clm_line_thru_dt": "s.day",
            "clm_line_prod_rev_ctr_cd": "s.rev",
            "clm_line_hcpcs_cd": "s.hcpcs",
            "clm_from_dt": "s.day",
            "clm_thru_dt": "s.day",
            "clm_line_cvrd_pd_amt": _money("s.cents"),
            "clm_line_srvc_unit_qty": "1",
        },  # fmt: skip
    )
    _write_voluntary(synth, entity=entity, bene_id=bene_id)
    with connection.cursor() as cursor:
        for statement in rebuild:
            cursor.execute(statement)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("claims_partbphysicianline", "claims_partaclaimheader", "claims_partarevenuecenter",
                          "beneficiaries_beneficiary", "beneficiaries_beneficiarymbi"):  # fmt: skip
                cursor.execute(f"ANALYZE {table}")
    return {
        "beneficiaries": len(benes),
        "part_b_lines": part_b_lines,
        "part_a_claims": len(pa),
        "revenue_lines": len(rv),
    }


# From this many Part B lines up, the claims tables' secondary indexes are dropped for the load
# and built again after it, in the load's transaction: one sorted build instead of millions of
# single insertions (the primary keys stay).
BULK_INDEX_LINES = 1_000_000
CLAIM_TABLES = ("claims_partbphysicianline", "claims_partaclaimheader", "claims_partarevenuecenter")


def _drop_secondary_indexes() -> list[str]:
    """Drop the claims tables' indexes that back no constraint; return the statements that build
    them again (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid
            WHERE i.indrelid::regclass::text = ANY(%s) AND c.oid IS NULL
            """,
            [list(CLAIM_TABLES)],
        )
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


def _money(column: str, share: float = 1.0) -> str:
    """Cents as a decimal amount, in SQL."""
    if connection.vendor == "postgresql":
        return f"round(CAST({column} AS NUMERIC) * {share / 100}, 2)"
    return f"round({column} * {share / 100}, 2)"


def _date(column: str) -> str:
    """Days since 1970-01-01 as a date, in SQL."""
    if connection.vendor == "postgresql":
        return f"DATE '1970-01-01' + CAST({column} AS INTEGER)"
    return f"date(CAST({column} AS INTEGER) * 86400, 'unixepoch')"


def _stage_and_insert(table: str, stage: pd.DataFrame, given: dict[str, Any]) -> None:
    """COPY the varying columns into a temporary table, then fill the claims table in one INSERT
    (constants and blanks for the CCLF fields alignment never reads)."""
    if stage.empty:
        return
    name = f"synth_{table}"
    cols = list(stage.columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        typed = (
            f"{col} {'bigint' if pd.api.types.is_integer_dtype(stage[col].dtype) else 'text'}"
            for col in cols
        )
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({', '.join(typed)})")
    _copy(name, cols, stage, binary=True)
    names, exprs = _blank_filled(table, given)
    casts = {
        "mbi_id": "bigint",
        "claim_id": "bigint",
        "line_num": "bigint",
        "source_line": "bigint",
        "cents": "bigint",
    }
    casts.update(dict.fromkeys(("day", "efctv", "from_day", "thru_day"), "date"))
    select = ", ".join(exprs)
    inner = ", ".join(
        (f"{_date(c)} AS {c}" if casts[c] == "date" else f"CAST({c} AS {casts[c]}) AS {c}")
        if c in casts
        else c
        for c in cols
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(names)}) SELECT {select} FROM (SELECT {inner} FROM {name}) s"  # noqa: S608 - our table and column names
        )
        cursor.execute(f"DROP TABLE {name}")


def _write_participants(synth: Synth, *, entity: Entity) -> None:
    prov = synth.providers
    ours = prov[prov["aco"]]
    known = set(SpecialtyCode.objects.values_list("code", flat=True))
    ParticipantOrganization.objects.bulk_create(
        [
            ParticipantOrganization(tin=t, legal_name=f"Synthetic practice {t[-4:]}")
            for t in sorted(set(ours["tin"]))
        ],
        ignore_conflicts=True,
    )
    Provider.objects.bulk_create(
        [
            Provider(npi=n, name=f"Clinician {n[-4:]}", specialty_id=s if s in known else None)
            for n, s in zip(ours["npi"], ours["specialty"], strict=True)
        ],
        ignore_conflicts=True,
    )
    orgs = dict(
        ParticipantOrganization.objects.filter(tin__in=set(ours["tin"])).values_list("tin", "id")
    )
    provs = dict(Provider.objects.filter(npi__in=set(ours["npi"])).values_list("npi", "id"))
    start = date(2023, 1, 1)
    rows = [
        Participation(
            entity=entity, organization_id=orgs[t], provider_id=provs[n], role=r, start_date=start
        )
        for t, n, r in zip(ours["tin"], ours["npi"], ours["role"], strict=True)
    ]
    tins_with_ccn = sorted(set(ours["tin"]))[: len(synth.aco_ccns)]
    rows += [
        Participation(
            entity=entity,
            organization_id=orgs[t],
            ccn=ccn,
            role=ParticipationRole.PARTICIPANT,
            start_date=start,
        )
        for t, ccn in zip(tins_with_ccn, synth.aco_ccns, strict=True)
    ]
    Participation.objects.bulk_create(rows)


def _write_voluntary(synth: Synth, *, entity: Entity, bene_id: npt.NDArray[np.int64]) -> None:
    from alignment.models import VoluntaryAlignment, VoluntarySource

    va = synth.voluntary
    VoluntaryAlignment.objects.bulk_create(
        [
            VoluntaryAlignment(
                entity=entity,
                beneficiary_id=int(bene_id[b]),
                tin=t,
                npi=n,
                signature_date=pd.Timestamp(s).date(),
                source=VoluntarySource.MEDICARE_GOV,
            )  # fmt: skip
            for b, t, n, s in zip(va["bene"], va["tin"], va["npi"], va["signed"], strict=True)
        ],
        batch_size=5000,
    )


@transaction.atomic
def erase(*, entity: Entity) -> None:
    """Remove everything `write` put in for the entity (and any alignment of it), for a fresh
    benchmark. Claims tables have no foreign keys (see claims.models), so they go first."""
    from alignment.models import AlignmentRun, VoluntaryAlignment

    with connection.cursor() as cursor:
        for table in (
            "claims_partbphysicianline",
            "claims_partaclaimheader",
            "claims_partarevenuecenter",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE entity_id = %s", [entity.pk])  # noqa: S608 - fixed names
    runs = AlignmentRun.objects.filter(entity=entity)
    for model in ("results", "changes", "buckets", "events"):
        getattr(AlignmentRun, model).rel.related_model.objects.filter(run__in=runs).delete()
    runs.delete()
    VoluntaryAlignment.objects.filter(entity=entity).delete()
    from beneficiaries.models import BeneficiaryMbi

    BeneficiaryMbi.objects.filter(entity=entity).delete()
    Beneficiary.objects.filter(entity=entity).delete()
    DeliveryFile.objects.filter(delivery__entity=entity).delete()
    Delivery.objects.filter(entity=entity).delete()
    Participation.objects.filter(entity=entity).delete()
