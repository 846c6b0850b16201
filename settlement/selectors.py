"""Reads on settlements, always scoped to the user: another entity's rows are simply absent.

Settlement dollars and TIN payouts are also a permission of the user's role in the entity
(accounts/roles.py: care coordinators only where the entity's settings allow it): every read
here leaves out the entities where the user lacks it, and asking for one of them by id answers
403 with the reason (the entity is the user's own: no secret that it exists)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.roles import SETTLEMENT_MONEY
from accounts.selectors import entity_ids_permitted
from core import display
from entities.models import Entity
from settlement.models import ParticipantShare, SettlementKind, SettlementRun

SETTLED_PROGRAMS = ("mssp", "reach")
MONEY_REFUSAL = (
    "This entity's settings keep settlement dollars and TIN payouts from care coordinators. "
    "An entity admin can change that in the admin console (Roles and settings)."
)


def _with_money(queryset: QuerySet[Any], user: Any, path: str) -> QuerySet[Any]:
    permitted = entity_ids_permitted(user=user, key=SETTLEMENT_MONEY)
    return queryset if permitted is None else queryset.filter(**{f"{path}__in": permitted})


def settlement_entities(*, user: Any) -> QuerySet[Entity]:
    entities = (
        Entity.objects.for_user(user)
        .filter(program__code__in=SETTLED_PROGRAMS)
        .select_related("program")
    )
    return _with_money(entities, user, "pk")


def _refuse_or_404(user: Any, entity_id: int | None) -> None:
    """The entity is the user's but their role may not see its money: 403 with the reason."""
    if entity_id is not None and Entity.objects.for_user(user).filter(pk=entity_id).exists():
        raise PermissionDenied(MONEY_REFUSAL)


def settlement_entity_get(*, user: Any, entity_id: int) -> Entity:
    """The entity, if the user may see it and its money; 403 for the user's own entity when
    their role may not see its money; 404 otherwise (no hint that another entity exists)."""
    entity = settlement_entities(user=user).filter(pk=entity_id).first()
    if entity is None:
        _refuse_or_404(user, entity_id)
        raise Http404
    return entity


def settlement_run_list(*, user: Any, entity: Entity | None = None) -> QuerySet[SettlementRun]:
    runs = _with_money(
        SettlementRun.objects.for_user(user).select_related("entity", "created_by"),
        user,
        "entity",
    )
    return runs.filter(entity=entity) if entity is not None else runs


def settlement_run_get(*, user: Any, run_id: int) -> SettlementRun:
    run = settlement_run_list(user=user).select_related("entity__program").filter(pk=run_id).first()
    if run is None:
        hidden = SettlementRun.objects.for_user(user).filter(pk=run_id).values("entity_id").first()
        _refuse_or_404(user, hidden["entity_id"] if hidden else None)
        raise Http404
    return run


def settlement_latest(
    *, user: Any, entity: Entity, performance_year: int, kind: str
) -> SettlementRun | None:
    return (
        settlement_run_list(user=user, entity=entity)
        .filter(performance_year=performance_year, kind=kind)
        .order_by("-version")
        .first()
    )


def settlement_years(*, user: Any, entity: Entity) -> list[int]:
    return sorted(
        set(
            settlement_run_list(user=user, entity=entity).values_list("performance_year", flat=True)
        ),
        reverse=True,
    )


def participant_shares(*, user: Any, run: SettlementRun) -> QuerySet[ParticipantShare]:
    shares = ParticipantShare.objects.for_user(user).filter(run=run)
    return _with_money(shares, user, "run__entity").order_by("-amount", "tin")


def participant_share_get(*, user: Any, run: SettlementRun, tin: str) -> ParticipantShare:
    return get_object_or_404(participant_shares(user=user, run=run), tin=tin)


@dataclass(frozen=True)
class Change:
    what: str
    before: str
    after: str


def settlement_run_changes(*, run: SettlementRun) -> tuple[SettlementRun | None, list[Change]]:
    """What differs from the previous version of the same entity-year and kind: inputs, figures,
    parameter table and distribution."""
    previous = (
        SettlementRun.objects.filter(
            entity=run.entity,
            performance_year=run.performance_year,
            kind=run.kind,
            version__lt=run.version,
        )
        .order_by("-version")
        .first()
    )
    if previous is None:
        return None, []
    changes = []
    for label, before_map, after_map in (
        ("Input", previous.inputs, run.inputs),
        ("Figure", previous.figures, run.figures),
        ("Projection band", previous.band, run.band),
    ):
        for key in sorted(set(before_map) | set(after_map)):
            before, after = before_map.get(key, ""), after_map.get(key, "")
            if _same(before, after) or isinstance(before, (list, dict)):
                continue
            changes.append(
                Change(f"{label}: {_figure_label(key)}", _shown(key, before), _shown(key, after))
            )
    for key in ("parameter_version", "distribution_method"):
        before, after = getattr(previous, key), getattr(run, key)
        if before != after:
            changes.append(Change(display.words(key), before or "—", after or "—"))
    before_shares = {s.tin: s.amount for s in previous.shares.all()}
    for share in run.shares.all():
        if before_shares.get(share.tin) != share.amount:
            was = before_shares.get(share.tin)
            changes.append(
                Change(f"TIN {share.tin} share", display.money(was), display.money(share.amount))
            )
    return previous, changes


def _same(before: Any, after: Any) -> bool:
    """Equal as figures: 5650000.00 and 5650000 are the same amount, "true" and "True" the
    same answer; text otherwise compares as text."""
    if str(before) == str(after):
        return True
    try:
        return Decimal(str(before)) == Decimal(str(after))
    except (InvalidOperation, ValueError):
        return str(before).strip().lower() == str(after).strip().lower()


_COUNT_KEYS = {"assigned_beneficiaries", "aligned_member_months", "beneficiaries", "seed",
               "replicates", "months_elapsed", "performance_year"}  # fmt: skip
_PLAIN_KEYS = {"quality_score", "completion_factor", "entity_id", "track", "arrangement",
               "msr_mlr"}  # fmt: skip


def _figure_label(key: str) -> str:
    """A stored column's name as the pages label it (the settlement figure labels where there
    is one, else the name in words)."""
    from settlement.forms import MSSPFiguresForm, ReachFiguresForm
    from settlement.presentation import MSSP_FIGURES, REACH_FIGURES

    for name, label, _kind in (*MSSP_FIGURES, *REACH_FIGURES):
        if name == key:
            return label
    # An input the figures forms ask for, by the form's label ("Met alt QPS" read as a code).
    for form in (MSSPFiguresForm, ReachFiguresForm):
        field = form.base_fields.get(key)
        if field is not None and field.label:
            return str(field.label)
    return display.words(key.removesuffix("_pct")) + (" (%)" if key.endswith("_pct") else "")


def _shown(key: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    text = str(value)
    if text.lower() in ("true", "false"):
        return display.yes_no(text)
    if key.endswith("_pct"):
        return display.percent(text)
    if key in _COUNT_KEYS:
        return display.count(text)
    if key in _PLAIN_KEYS:
        return text.replace("_", " ")
    try:
        Decimal(text)
    except (InvalidOperation, ValueError):
        return text
    return display.money(text)


def settlement_overview(*, user: Any) -> list[dict[str, Any]]:
    """Per entity, its settled years with the latest final and projected versions."""
    overview = []
    runs = list(
        settlement_run_list(user=user).order_by(
            "entity_id", "-performance_year", "kind", "-version"
        )
    )
    for entity in settlement_entities(user=user):
        years: dict[int, dict[str, SettlementRun]] = {}
        for run in runs:
            if run.entity_id == entity.pk:
                years.setdefault(run.performance_year, {}).setdefault(run.kind, run)
        overview.append(
            {
                "entity": entity,
                "years": [
                    {
                        "year": year,
                        "final": kinds.get(SettlementKind.FINAL),
                        "projection": kinds.get(SettlementKind.PROJECTION),
                    }
                    for year, kinds in sorted(years.items(), reverse=True)
                ],
            }
        )
    return overview


@dataclass(frozen=True)
class QualityProjection:
    """The final sharing rate the entity-year's quality result gives on its MSSP track, "if the
    score stays here", and over the score's range when the measures sit at the ends of their 95%
    intervals (a computed result only)."""

    track: str
    max_rate: Decimal
    score: Decimal
    rate: Decimal
    case: str
    origin: str
    source: str
    low_score: Decimal | None = None
    high_score: Decimal | None = None
    low_rate: Decimal | None = None
    high_rate: Decimal | None = None

    @property
    def sentence(self) -> str:
        text = (
            f"If the quality score stays at {self.score} ({self.case}), the final sharing rate "
            f"is {display.share(self.rate)} on the {self.track} (maximum "
            f"{display.share(self.max_rate)})."
        )
        if self.low_score is not None and self.high_score is not None:
            text += (
                f" With every measure at the worse or the better end of its 95% interval the "
                f"score runs {self.low_score} to {self.high_score}: "
                + (
                    f"the sharing rate stays {display.share(self.low_rate)}."
                    if self.low_rate == self.high_rate
                    else f"a sharing rate of {display.share(self.low_rate)} to "
                    f"{display.share(self.high_rate)}."
                )
            )
        return text


def _mssp_track_of(entity: Entity, performance_year: int) -> str:
    """The MSSP track settlement used for the year (its latest version's inputs), else the
    entity's track of the year."""
    from entities.selectors import entity_year_get

    latest = (
        SettlementRun.objects.filter(entity=entity, performance_year=performance_year)
        .order_by("-created_at")
        .first()
    )
    if latest is not None and (latest.inputs or {}).get("track"):
        return str(latest.inputs["track"]).upper()
    year = entity_year_get(entity=entity, performance_year=performance_year)
    return str(year.track.code).upper() if year is not None and year.track else ""


def quality_projection(
    *, entity: Entity, performance_year: int, track: str = ""
) -> QualityProjection | None:
    """The sharing rate the MSSP entity-year's quality result gives on `track` (blank: the
    track of the year's latest settlement version, else the entity's track of the year), with
    its range (see `QualityProjection`); None for another program, without a quality result or
    a track, or where the parameter tables have no row for the track and year."""
    from settlement.engine.errors import ParameterError
    from settlement.engine.mssp import quality_sharing_rate
    from settlement.engine.parameters import MSSPTrack
    from settlement.models import QualityResult
    from settlement.parameters import load_parameter_book

    if entity.program.code != "mssp":
        return None
    quality = QualityResult.objects.filter(entity=entity, performance_year=performance_year).first()
    if quality is None:
        return None
    track_code = track.strip().upper() or _mssp_track_of(entity, performance_year)
    if track_code not in MSSPTrack.__members__:
        return None
    mssp_track = MSSPTrack(track_code)
    try:
        params = load_parameter_book().mssp_track(performance_year, mssp_track)
    except ParameterError:
        return None

    def rate(score: Any, met_standard: bool, met_alternative: bool) -> tuple[Decimal, str]:
        value, qps, alternative = quality_sharing_rate(
            params,
            quality_score=Decimal(str(score)),
            met_qps=met_standard,
            met_alt_qps=met_alternative,
            met_reporting=quality.met_reporting,
        )
        if qps:
            case = "quality performance standard met"
        elif alternative:
            case = "alternative standard: maximum x score / 100"
        elif not quality.met_reporting and (met_standard or met_alternative):
            case = "the quality reporting requirement is not met"
        else:
            case = "neither standard met"
        return value, case

    point, case = rate(quality.quality_score, quality.met_standard, quality.met_alternative)
    ends = quality.score_range or {}
    low, high = ends.get("low"), ends.get("high")
    extra: dict[str, Any] = {}
    if quality.origin == "computed" and low and high:
        extra = {
            "low_score": Decimal(low["score"]),
            "high_score": Decimal(high["score"]),
            "low_rate": rate(low["score"], low["met_standard"], low["met_alternative"])[0],
            "high_rate": rate(high["score"], high["met_standard"], high["met_alternative"])[0],
        }
    return QualityProjection(
        track=mssp_track.display,
        max_rate=params.max_sharing_rate,
        score=quality.quality_score,
        rate=point,
        case=case,
        origin=quality.origin,
        source=quality.source,
        **extra,
    )
