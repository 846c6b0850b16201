"""Parameter tables as frozen dataclasses, keyed by program x performance year x track.

The engine never reads a file or the database: the caller builds these (from the data files
under `settlement/parameters/` through `settlement.parameters.load_parameter_book()`, or later
from the entities app's parameter tables) and passes them in. Every value carries its evidence
tag from domain.md: V (seen in a source), R (recalled, to confirm) or 3P (third party, to
confirm), and its source, so that an explanation can say which values still need confirming.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from settlement.engine.errors import ParameterError


class Evidence(StrEnum):
    VERIFIED = "V"
    RECALLED = "R"
    THIRD_PARTY = "3P"


@dataclass(frozen=True)
class ParameterNote:
    """Where one parameter value comes from."""

    name: str
    value: str
    evidence: Evidence
    source: str

    @property
    def to_confirm(self) -> bool:
        return self.evidence != Evidence.VERIFIED


@dataclass(frozen=True)
class _Noted:
    notes: tuple[ParameterNote, ...] = field(default=(), kw_only=True)

    def note(self, name: str) -> ParameterNote | None:
        return next((n for n in self.notes if n.name == name), None)

    def to_confirm(self, name: str) -> bool:
        note = self.note(name)
        return note is not None and note.to_confirm

    def source(self, name: str) -> str:
        note = self.note(name)
        return note.source if note else ""


# --- MSSP -------------------------------------------------------------------------------------


class MSSPTrack(StrEnum):
    BASIC_A = "BASIC_A"
    BASIC_B = "BASIC_B"
    BASIC_C = "BASIC_C"
    BASIC_D = "BASIC_D"
    BASIC_E = "BASIC_E"
    ENHANCED = "ENHANCED"
    TRACK_1 = "TRACK_1"
    TRACK_1_PLUS = "TRACK_1_PLUS"
    TRACK_2 = "TRACK_2"
    TRACK_3 = "TRACK_3"

    @property
    def is_basic(self) -> bool:
        return self.value.startswith("BASIC_")

    @property
    def display(self) -> str:
        """The track as 42 CFR 425.600 and 425.605-425.610 name it: BASIC_D -> "BASIC track,
        level D", TRACK_1_PLUS -> "Track 1+"."""
        if self.is_basic:
            return f"BASIC track, level {self.value[-1]}"
        if self is MSSPTrack.ENHANCED:
            return "ENHANCED track"
        return self.value.replace("TRACK_", "Track ").replace("_PLUS", "+").replace("_", " ")


class Risk(StrEnum):
    ONE_SIDED = "one_sided"
    TWO_SIDED = "two_sided"


class LossRateMethod(StrEnum):
    NONE = "none"
    FIXED = "fixed"
    # 1 - quality_factor x quality score / 100, clamped to [floor, ceiling] when a quality
    # standard is met; `loss_rate_quality_not_met` otherwise (domain.md 3.4).
    QUALITY = "quality"


class LossLimitMethod(StrEnum):
    NONE = "none"
    BENCHMARK = "benchmark"
    LOWER_OF_REVENUE_AND_BENCHMARK = "lower_of_revenue_and_benchmark"


@dataclass(frozen=True)
class MSRBand:
    """One row of the variable MSR table: MSR falls linearly from `pct_at_low` at `low_n` to
    `pct_at_high` at `high_n` (an open band when `high_n` is None)."""

    low_n: int
    high_n: int | None
    pct_at_low: Decimal
    pct_at_high: Decimal


@dataclass(frozen=True)
class MSRTable(_Noted):
    """The size-based MSR (42 CFR 425.604(b) / 425.605(b)(1)); values in percent."""

    version: str
    bands: tuple[MSRBand, ...]

    def msr(self, n: int) -> Fraction | None:
        """The MSR (a fraction of one) for `n` assigned beneficiaries, or None below the table.

        Inside a band: lo + (n - band_lo) / (band_hi - band_lo) x (hi - lo), exactly as
        domain.md 3.2 writes it, with band_hi the band's last beneficiary count (5,999 for
        5,000-5,999). Kept exact; nothing is rounded.
        """
        for band in self.bands:
            if n < band.low_n or (band.high_n is not None and n > band.high_n):
                continue
            lo, hi = Fraction(band.pct_at_low), Fraction(band.pct_at_high)
            if band.high_n is None or band.high_n == band.low_n:
                return lo / 100
            position = Fraction(n - band.low_n, band.high_n - band.low_n)
            return (lo + position * (hi - lo)) / 100
        return None

    @property
    def label(self) -> str:
        return f"mssp_msr_bands {self.version}"

    @property
    def lowest_n(self) -> int:
        return min(band.low_n for band in self.bands)


@dataclass(frozen=True)
class MSSPTrackParameters(_Noted):
    """One MSSP track or BASIC level in one performance year (domain.md 3.3, 3.4)."""

    performance_year: int
    track: MSSPTrack
    version: str
    risk: Risk
    max_sharing_rate: Decimal
    performance_payment_limit: Decimal  # a fraction of the updated benchmark
    sequestration_rate: Decimal
    fixed_msr_options: tuple[Decimal, ...]  # percents a two-sided ACO may choose
    fixed_msr_min_beneficiaries: int
    alternative_qps_sliding_scale: bool
    low_revenue_half_rate: bool
    low_revenue_min_beneficiaries: int
    loss_rate_method: LossRateMethod
    shared_loss_rate: Decimal | None = None
    loss_rate_quality_factor: Decimal | None = None
    loss_rate_floor: Decimal | None = None
    loss_rate_ceiling: Decimal | None = None
    loss_rate_quality_not_met: Decimal | None = None
    loss_limit_method: LossLimitMethod = LossLimitMethod.NONE
    loss_limit_revenue_pct: Decimal | None = None  # a fraction of ACO participant FFS revenue
    loss_limit_benchmark_pct: Decimal | None = None  # a fraction of the updated benchmark

    @property
    def label(self) -> str:
        return f"mssp_tracks {self.version}: PY{self.performance_year} {self.track}"


# --- ACO REACH --------------------------------------------------------------------------------


class ReachArrangement(StrEnum):
    GLOBAL = "GLOBAL"
    PROFESSIONAL = "PROFESSIONAL"


@dataclass(frozen=True)
class CorridorBand:
    """A risk corridor: gross savings/losses between `lower` and `upper` (fractions of the final
    benchmark; `upper` None for the top band) are kept at `share` (domain.md 4.2)."""

    lower: Decimal
    upper: Decimal | None
    share: Decimal


@dataclass(frozen=True)
class ReachParameters(_Noted):
    performance_year: int
    arrangement: ReachArrangement
    version: str
    discount_rate: Decimal
    quality_withhold_rate: Decimal
    corridors: tuple[CorridorBand, ...]
    sequestration_rate: Decimal
    sequestration_on_losses: bool

    @property
    def label(self) -> str:
        return f"reach {self.version}: PY{self.performance_year} {self.arrangement}"


# --- Making Care Primary ----------------------------------------------------------------------


@dataclass(frozen=True)
class MCPParameters(_Noted):
    """MCP payment amounts for one track (domain.md 5). ESP per-beneficiary-per-month amounts by
    risk tier and the PIP rate were not retrieved from the RFA: the caller supplies them."""

    track: int
    version: str
    esp_pbpm_by_tier: Mapping[int, Decimal]
    uip_total: Decimal | None
    uip_installments: int
    pip_max_rate: Decimal | None = None
    # Where the ESP amounts came from when the user supplied them (no shipped source gives them).
    esp_source: str = ""

    @property
    def label(self) -> str:
        return f"mcp {self.version}: Track {self.track}"


# --- The book ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterBook:
    """Every parameter table, looked up by program x performance year x track."""

    mssp: Mapping[tuple[int, MSSPTrack], MSSPTrackParameters]
    msr_tables: Mapping[int, MSRTable]
    reach: Mapping[tuple[int, ReachArrangement], ReachParameters]
    mcp: Mapping[int, MCPParameters]

    def mssp_track(self, performance_year: int, track: MSSPTrack) -> MSSPTrackParameters:
        try:
            return self.mssp[(performance_year, track)]
        except KeyError:
            years = sorted({py for py, t in self.mssp if t == track})
            raise ParameterError(
                "performance_year" if years else "track",
                f"no MSSP parameters for {track} in PY{performance_year}"
                + (f" (the tables hold PY{years[0]}-PY{years[-1]})" if years else ""),
            ) from None

    def msr_table(self, performance_year: int) -> MSRTable:
        try:
            return self.msr_tables[performance_year]
        except KeyError:
            raise ParameterError(
                "performance_year", f"no MSR table for PY{performance_year}"
            ) from None

    def reach_arrangement(
        self, performance_year: int, arrangement: ReachArrangement
    ) -> ReachParameters:
        try:
            return self.reach[(performance_year, arrangement)]
        except KeyError:
            raise ParameterError(
                "performance_year",
                f"no ACO REACH parameters for {arrangement} in PY{performance_year}",
            ) from None

    def mcp_track(self, track: int) -> MCPParameters:
        try:
            return self.mcp[track]
        except KeyError:
            raise ParameterError("track", f"no MCP parameters for Track {track}") from None
