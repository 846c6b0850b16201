"""From claim lines to primary care services: window, code list, exclusions, provider class and
the competing unit of every line, as integer arrays ready for aggregation.

All of it is vectorised over categorical codes: a rule is evaluated once per distinct label and
gathered to the lines, never per line in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import IntEnum

import numpy as np
import numpy.typing as npt
import pandas as pd

from alignment.engine import columns as c
from alignment.engine.parameters import CompetitorUnit, ServiceRules, ValueSetDating
from alignment.engine.valuesets import DatedValueSet
from alignment.engine.windows import Window

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]


class ProviderClass(IntEnum):
    """Provider classes of domain.md 1.2 "Provider classes"."""

    PCP = 0
    NPP = 1
    SPECIALIST = 2


N_CLASSES = len(ProviderClass)


@dataclass(frozen=True)
class ParticipantList:
    """The entity's providers as of the list date.

    MSSP (domain.md 1.2 "Inputs"): ACO providers are identified by participant TIN plus the CCNs
    of participant Method II CAHs, ETA hospitals, FQHCs and RHCs; an ACO professional is a
    clinician billing through a participant TIN (`providers` lists the TIN/NPI pairs known, used
    to check voluntary designations).
    REACH (domain.md 1.4): only participant providers align: clinicians by TIN+NPI
    (`providers`), facilities such as FQHCs and RHCs by CCN (`ccns`; a Participant Provider is
    identified "by name, individual NPI, TIN, Legacy TIN or CCN", Direct Contracting
    Participation Agreement, Article II). `preferred` providers never align.
    """

    tins: frozenset[str] = frozenset()
    ccns: frozenset[str] = frozenset()
    providers: frozenset[tuple[str, str]] = frozenset()
    preferred: frozenset[tuple[str, str]] = frozenset()


class EntityMatch(IntEnum):
    MSSP = 0  # a line is the entity's when its TIN or its CCN is a participant's
    REACH = 1  # a line is the entity's when its TIN+NPI or its CCN is a participant provider's


class BeneIndex:
    """Dense codes 0..n-1 for the beneficiary ids being aligned, in ascending id order."""

    def __init__(self, ids: pd.Series | npt.ArrayLike) -> None:
        values = np.asarray(ids, dtype=np.int64)
        self.ids: IntArray = np.unique(values)
        if len(self.ids) != len(values):
            raise ValueError("Beneficiary ids must be unique in the beneficiaries frame.")
        lo = int(self.ids[0]) if len(self.ids) else 0
        hi = int(self.ids[-1]) if len(self.ids) else -1
        # Surrogate keys are dense integers: a lookup table beats hashing by an order of magnitude.
        self._lut: Int32Array | None = None
        self._lo = lo
        if len(self.ids) and hi - lo < max(64 * len(self.ids), 1 << 20):
            lut = np.full(hi - lo + 1, -1, dtype=np.int32)
            lut[self.ids - lo] = np.arange(len(self.ids), dtype=np.int32)
            self._lut = lut

    def __len__(self) -> int:
        return len(self.ids)

    def codes(self, ids: pd.Series | npt.ArrayLike) -> Int32Array:
        """The dense code of each id, -1 for ids not in the index."""
        values = np.asarray(ids, dtype=np.int64)
        if self._lut is None:
            return pd.Index(self.ids).get_indexer(pd.Index(values)).astype(np.int32)
        offset = values - self._lo
        inside = (offset >= 0) & (offset < len(self._lut))
        out = np.full(len(values), -1, dtype=np.int32)
        out[inside] = self._lut[offset[inside]]
        return out


def to_days(values: pd.Series | npt.ArrayLike) -> Int32Array:
    """Days since 1970-01-01 of a date column; NaT becomes INT32_MIN."""
    arr = pd.to_datetime(
        pd.Series(values) if not isinstance(values, pd.Series) else values
    ).to_numpy()
    days = arr.astype("datetime64[D]").astype(np.int64)
    nat = np.isnat(arr)
    days[nat] = np.iinfo(np.int32).min
    return days.astype(np.int32)


def day_of(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


@dataclass(frozen=True)
class Ranked:
    """A string column as sorted labels plus, per row, the index of its label (so that code order
    is label order whatever the input's row order or category order)."""

    labels: npt.NDArray[np.object_]
    codes: Int32Array

    @staticmethod
    def of(series: pd.Series, rows: IntArray | None = None) -> Ranked:
        if isinstance(series.dtype, pd.CategoricalDtype):
            cats = np.asarray(series.cat.categories.astype(str).str.strip(), dtype=object)
            raw = series.cat.codes.to_numpy()
            raw = raw[rows] if rows is not None else raw
            # Missing values become the empty label, which every rule reads as "absent".
            cats = np.append(cats, "")
            raw = np.where(raw < 0, len(cats) - 1, raw)
            labels, inverse = np.unique(cats, return_inverse=True)
            return Ranked(labels, inverse.astype(np.int32)[raw])
        values = series.to_numpy()
        values = values[rows] if rows is not None else values
        filled = pd.Series(values, dtype=object).fillna("").astype(str).str.strip()
        codes, uniques = pd.factorize(filled, sort=True)
        return Ranked(np.asarray(uniques, dtype=object), codes.astype(np.int32))

    def flag(self, wanted: frozenset[str] | set[str]) -> BoolArray:
        """Per row: is its label in `wanted`?"""
        per_label = np.fromiter((label in wanted for label in self.labels), bool, len(self.labels))
        return per_label[self.codes]

    def member(
        self, value_set: DatedValueSet, days: Int32Array, dating: ValueSetDating, reference: date
    ) -> BoolArray:
        vs = value_set.on(reference) if dating is ValueSetDating.PERFORMANCE_YEAR else value_set
        return vs.member_mask(pd.Index(self.labels), self.codes, days)


@dataclass(frozen=True)
class UnitTable:
    """Who each unit code is. Codes [0, n_competitors) are competing entities; the rest are the
    entity's own providers (TIN, NPI, CCN), which roll up to the entity as a whole."""

    n_competitors: int
    kind: npt.NDArray[np.object_]  # "TIN", "CCN", "TIN/NPI" or "PROVIDER"
    tin: npt.NDArray[np.object_]
    npi: npt.NDArray[np.object_]
    ccn: npt.NDArray[np.object_]

    def __len__(self) -> int:
        return len(self.kind)

    def labels(self) -> npt.NDArray[np.object_]:
        """How people read each unit: "TIN 123456789", "CCN 123456", "TIN 123456789 NPI ..."."""
        tin_npi = "TIN " + self.tin + " NPI " + self.npi
        labels: npt.NDArray[np.object_] = np.where(
            self.kind == "CCN",
            "CCN " + self.ccn,
            np.where(self.kind == "TIN", "TIN " + self.tin, tin_npi),
        ).astype(object)
        return labels


@dataclass(frozen=True)
class PreparedLines:
    """Primary care service lines of the beneficiaries being aligned, as parallel arrays."""

    bene: Int32Array
    unit: Int32Array
    cls: npt.NDArray[np.int8]
    part: npt.NDArray[np.int8]
    amount: IntArray
    day: Int32Array
    n_bene: int
    n_parts: int
    units: UnitTable


def _stay_mask(
    stays: pd.DataFrame | None, kind: str, bene_index: BeneIndex, bene: Int32Array, day: Int32Array
) -> BoolArray:
    """Per line: does its day fall inside one of the beneficiary's stays of this kind?"""
    if stays is None or stays.empty or len(bene) == 0:
        return np.zeros(len(bene), dtype=bool)
    chosen = stays[stays[c.STAY_KIND].astype(str) == kind]
    sb = bene_index.codes(chosen[c.BENE_ID])
    known = sb >= 0
    if not known.any():
        return np.zeros(len(bene), dtype=bool)
    sb = sb[known].astype(np.int64)
    span = np.int64(1 << 22)
    shift = np.int64(1 << 21)  # keeps pre-1970 days positive inside a beneficiary's span
    start = sb * span + to_days(chosen[c.STAY_FROM])[known] + shift
    end = sb * span + to_days(chosen[c.STAY_THRU])[known] + shift
    order = np.argsort(start, kind="stable")
    start, end = start[order], np.maximum.accumulate(end[order])
    # `end` is now the furthest day covered by any stay starting at or before this one; keys of a
    # later beneficiary are all larger, so the running maximum never leaks across beneficiaries.
    query = bene.astype(np.int64) * span + day + shift
    idx = np.searchsorted(start, query, side="right") - 1
    hit = idx >= 0
    hit[hit] = end[idx[hit]] >= query[hit]
    return hit


def prepare_lines(
    lines: pd.DataFrame,
    *,
    bene_index: BeneIndex,
    parts: Sequence[Window],
    rules: ServiceRules,
    reference: date,
    participants: ParticipantList,
    match: EntityMatch,
    competitor_unit: CompetitorUnit,
    stays: pd.DataFrame | None = None,
    ignored_providers: frozenset[tuple[str, str]] = frozenset(),
) -> PreparedLines:
    """Select the primary care services among claim lines and code them for aggregation.

    Needs BENE_ID, SERVICE_DATE, HCPCS, ALLOWED_CENTS, TIN, NPI, CCN, SPECIALTY, POS, FQHC_RHC
    (DENIED optional). Implements domain.md 1.2 "Claims to exclude", "Provider classes", the
    FQHC/RHC rule, and 1.3's dated code lists. `parts` are disjoint windows; a line's part is the
    index of the window holding its service date (lines outside every part are dropped).
    Lines billed by one of `ignored_providers` (TIN, NPI) are dropped too: REACH's preferred
    providers, who are not used for alignment at all.
    """
    n = len(lines)
    day = to_days(lines[c.SERVICE_DATE]) if n else np.zeros(0, np.int32)
    part = np.full(n, -1, dtype=np.int8)
    for k, window in enumerate(parts):
        part[(day >= window.start_day) & (day <= window.end_day)] = k
    amount = lines[c.ALLOWED_CENTS].to_numpy(dtype=np.int64) if n else np.zeros(0, np.int64)
    keep = part >= 0
    if rules.drop_zero_allowed:
        keep &= amount > 0
    if c.DENIED in lines.columns:
        keep &= ~lines[c.DENIED].to_numpy(dtype=bool)
    rows = np.flatnonzero(keep)
    bene = bene_index.codes(lines[c.BENE_ID].to_numpy()[rows])
    rows = rows[bene >= 0]
    bene = bene[bene >= 0]
    day, part, amount = day[rows], part[rows], amount[rows]

    hcpcs = Ranked.of(lines[c.HCPCS], rows)
    specialty = Ranked.of(lines[c.SPECIALTY], rows)
    pos = Ranked.of(lines[c.POS], rows)
    fqhc = lines[c.FQHC_RHC].to_numpy(dtype=bool)[rows]
    dating = rules.value_set_dating

    is_service = hcpcs.member(rules.service_codes, day, dating, reference)
    cls = np.full(len(rows), -1, dtype=np.int8)
    cls[specialty.member(rules.specialist_specialties, day, dating, reference)] = (
        ProviderClass.SPECIALIST
    )
    cls[specialty.member(rules.npp_specialties, day, dating, reference)] = ProviderClass.NPP
    cls[specialty.member(rules.pcp_specialties, day, dating, reference)] = ProviderClass.PCP
    if rules.fqhc_rhc_all_primary_care:
        # domain.md 1.2: every service on an FQHC/RHC claim is a primary care service by a PCP.
        is_service |= fqhc
        cls[fqhc] = ProviderClass.PCP

    snf_code = hcpcs.flag(rules.snf_excluded_codes)
    inpatient_code = hcpcs.flag(rules.inpatient_excluded_codes)
    excluded = snf_code & pos.flag(rules.snf_pos)
    excluded |= inpatient_code & pos.flag(rules.inpatient_pos)
    if stays is not None:
        for kind, code_mask in (("snf", snf_code), ("inpatient", inpatient_code)):
            cand = np.flatnonzero(code_mask & ~excluded)
            if len(cand):
                excluded[cand] |= _stay_mask(stays, kind, bene_index, bene[cand], day[cand])

    keep2 = is_service & (cls >= 0) & ~excluded
    if ignored_providers:
        keep2 &= ~_pair_flag(
            Ranked.of(lines[c.TIN], rows), Ranked.of(lines[c.NPI], rows), ignored_providers
        )
    sel = np.flatnonzero(keep2)
    rows, bene, day, part, amount, cls = (
        rows[sel],
        bene[sel],
        day[sel],
        part[sel],
        amount[sel],
        cls[sel],
    )
    units, unit = _units(lines, rows, participants, match, competitor_unit)
    return PreparedLines(
        bene=bene,
        unit=unit,
        cls=cls,
        part=part,
        amount=amount,
        day=day,
        n_bene=len(bene_index),
        n_parts=len(parts),
        units=units,
    )


def _pair_flag(tin: Ranked, npi: Ranked, pairs: frozenset[tuple[str, str]]) -> BoolArray:
    """Per row: is its (TIN, NPI) one of `pairs`?"""
    n_npi = len(npi.labels)
    tin_pos = {label: i for i, label in enumerate(tin.labels)}
    npi_pos = {label: i for i, label in enumerate(npi.labels)}
    keys = [tin_pos[t] * n_npi + npi_pos[p] for t, p in pairs if t in tin_pos and p in npi_pos]
    row_keys = tin.codes.astype(np.int64) * n_npi + npi.codes
    return np.isin(row_keys, np.asarray(keys, dtype=np.int64))


def _units(
    lines: pd.DataFrame,
    rows: IntArray,
    participants: ParticipantList,
    match: EntityMatch,
    competitor_unit: CompetitorUnit,
) -> tuple[UnitTable, Int32Array]:
    tin = Ranked.of(lines[c.TIN], rows)
    npi = Ranked.of(lines[c.NPI], rows)
    ccn = Ranked.of(lines[c.CCN], rows)
    n_npi = np.int64(len(npi.labels))
    n_ccn = np.int64(len(ccn.labels))
    tin_npi = tin.codes.astype(np.int64) * n_npi + npi.codes

    if match is EntityMatch.MSSP:
        is_entity = tin.flag(participants.tins) | ccn.flag(participants.ccns)
    else:
        is_entity = _pair_flag(tin, npi, participants.providers) | ccn.flag(participants.ccns)

    has_ccn = ccn.labels[ccn.codes] != "" if len(ccn.codes) else np.zeros(0, bool)
    # Competitor keys: TINs (or TIN/NPIs) first, then CCNs, each in label order.
    base = tin_npi if competitor_unit is CompetitorUnit.TIN_NPI else tin.codes.astype(np.int64)
    ccn_offset = np.int64(len(tin.labels)) * n_npi + 1
    comp_key = np.where(has_ccn, ccn_offset + ccn.codes, base)
    prov_key = tin_npi * n_ccn + ccn.codes

    comp_rows = np.flatnonzero(~is_entity)
    ent_rows = np.flatnonzero(is_entity)
    comp_codes, comp_uniques = pd.factorize(comp_key[comp_rows], sort=True)
    prov_codes, prov_uniques = pd.factorize(prov_key[ent_rows], sort=True)
    n_comp = len(comp_uniques)
    unit = np.empty(len(rows), dtype=np.int32)
    unit[comp_rows] = comp_codes
    unit[ent_rows] = n_comp + prov_codes

    comp_uniques = np.asarray(comp_uniques, dtype=np.int64)
    prov_uniques = np.asarray(prov_uniques, dtype=np.int64)
    is_ccn_unit = comp_uniques >= ccn_offset
    c_ccn = np.where(is_ccn_unit, comp_uniques - ccn_offset, 0)
    c_tin_npi = np.where(is_ccn_unit, 0, comp_uniques)
    if competitor_unit is CompetitorUnit.TIN_NPI:
        c_tin, c_npi = np.divmod(c_tin_npi, n_npi)
        tin_npi_kind = "TIN/NPI"
    else:
        c_tin, c_npi = c_tin_npi, np.zeros_like(c_tin_npi)
        tin_npi_kind = "TIN"
    p_tin_npi, p_ccn = np.divmod(prov_uniques, n_ccn)
    p_tin, p_npi = np.divmod(p_tin_npi, n_npi)
    empty = np.array([""], dtype=object)
    npi_labels = npi.labels if len(npi.labels) else empty
    ccn_labels = ccn.labels if len(ccn.labels) else empty
    tin_labels = tin.labels if len(tin.labels) else empty
    table = UnitTable(
        n_competitors=n_comp,
        kind=np.concatenate(
            [
                np.where(is_ccn_unit, "CCN", tin_npi_kind).astype(object),
                np.full(len(prov_uniques), "PROVIDER", dtype=object),
            ]
        ),
        tin=np.concatenate(
            [np.where(is_ccn_unit, "", tin_labels[c_tin]).astype(object), tin_labels[p_tin]]
        ),
        npi=np.concatenate(
            [
                np.where(
                    is_ccn_unit | (competitor_unit is not CompetitorUnit.TIN_NPI),
                    "",
                    npi_labels[c_npi],
                ).astype(object),
                npi_labels[p_npi],
            ]
        ),
        ccn=np.concatenate(
            [np.where(is_ccn_unit, ccn_labels[c_ccn], "").astype(object), ccn_labels[p_ccn]]
        ),
    )
    return table, unit
