"""The participant-list rules, checked the same way for one row (admin form, API) and for a whole
CSV file: no overlapping periods for one TIN/NPI/CCN in an entity, an NPI participant of only one
entity at a time where the program says so (ACO REACH), and a TIN billing primary care in only one
entity per performance year where the program says so (MSSP). Also writes accepted rows.

Every message is written for an entity administrator and names the record (TIN, NPI, CCN), the
field and, for exclusivity, the other entity.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from entities.choices import PRIMARY_CARE_CLASSES, ParticipationRole
from entities.models import (
    Entity,
    ParticipantOrganization,
    Participation,
    PerformanceYear,
    Provider,
    SpecialtyCode,
)

# Namespace of the advisory locks that serialise participant-list writes of one program.
_LOCK_NAMESPACE = 734_201

# Across programs: "ACOs may not participate in the Shared Savings Program if they include an ACO
# participant that participates in ... a model tested or expanded under section 1115A of the Act
# that involves shared savings", and CMS denies such an application (42 CFR 425.114(a)-(b)). An
# ACO participant is a TIN (42 CFR 425.20). The registry's Innovation Center models that involve
# shared savings: ACO REACH (shared savings and losses, with GPDC before it). Making Care Primary
# pays no shared savings; LEAD's terms are not in our sources yet.
SHARED_SAVINGS_PROGRAM = "mssp"
SHARED_SAVINGS_MODELS = frozenset({"reach"})
OVERLAP_RULE = "42 CFR 425.114(a)-(b)"


@dataclass
class Candidate:
    """One participation as asked for: already parsed and normalised."""

    tin: str
    npi: str
    ccn: str
    specialty_code: str
    role: str
    start_date: dt.date
    end_date: dt.date | None
    line: int | None = None
    tin_legal_name: str = ""
    provider_name: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.tin, self.npi, self.ccn)

    @property
    def label(self) -> str:
        parts = [f"TIN {self.tin}"]
        if self.npi:
            parts.append(f"NPI {self.npi}")
        if self.ccn:
            parts.append(f"CCN {self.ccn}")
        return " / ".join(parts)


@dataclass
class CandidateResult:
    candidate: Candidate
    action: str = "new"  # new, update, unchanged
    existing: Participation | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def period_text(start: dt.date, end: dt.date | None) -> str:
    return f"{start:%Y-%m-%d} to {end:%Y-%m-%d}" if end else f"{start:%Y-%m-%d}, open-ended"


def overlaps(
    a_start: dt.date, a_end: dt.date | None, b_start: dt.date, b_end: dt.date | None
) -> bool:
    return a_start <= (b_end or dt.date.max) and b_start <= (a_end or dt.date.max)


def lock_program(program_id: int) -> None:
    """Serialise participant-list writes of one program: exclusivity spans its entities."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, program_id])


def _participation_key(row: Participation) -> tuple[str, str, str]:
    return (row.organization.tin, row.provider.npi if row.provider is not None else "", row.ccn)


def check_candidates(
    *,
    entity: Entity,
    candidates: list[Candidate],
    allow_update: bool,
    exclude_ids: frozenset[int] = frozenset(),
) -> list[CandidateResult]:
    """Check candidates against each other and against what is stored. Reads only.

    With `allow_update`, a candidate with the same TIN/NPI/CCN and start date as a stored row
    updates that row's role and end date (how a corrected file is re-imported); otherwise such a
    candidate is an error unless it is identical. `exclude_ids` are stored rows being edited.
    """
    program = entity.program
    tins = {c.tin for c in candidates}
    npis = {c.npi for c in candidates if c.npi}
    specialties = {s.code: s for s in SpecialtyCode.objects.all()}
    organizations = {o.tin: o for o in ParticipantOrganization.objects.filter(tin__in=tins)}
    providers = {
        p.npi: p for p in Provider.objects.filter(npi__in=npis).select_related("specialty")
    }

    own: dict[tuple[str, str, str], list[Participation]] = defaultdict(list)
    for row in (
        Participation.objects.filter(entity=entity, organization__tin__in=tins)
        .exclude(pk__in=exclude_ids)
        .select_related("organization", "provider")
    ):
        own[_participation_key(row)].append(row)

    other_npi: dict[str, list[Participation]] = defaultdict(list)
    if program.npi_exclusive_participants and npis:
        for row in (
            Participation.objects.filter(
                entity__program=program, role=ParticipationRole.PARTICIPANT, provider__npi__in=npis
            )
            .exclude(entity=entity)
            .select_related("entity", "provider")
        ):
            if row.provider is not None:  # the filter asked for an NPI
                other_npi[row.provider.npi].append(row)

    other_tin: dict[str, list[Participation]] = defaultdict(list)
    primary_care_tins: set[str] = set()
    years: list[PerformanceYear] = []
    if program.primary_care_tin_exclusive:
        for row in (
            Participation.objects.filter(entity__program=program, organization__tin__in=tins)
            .exclude(entity=entity)
            .select_related("entity", "organization")
        ):
            other_tin[row.organization.tin].append(row)
        if other_tin:
            primary_care_tins = {o.tin for o in organizations.values() if o.bills_primary_care}
            primary_care_tins |= set(
                Participation.objects.filter(
                    organization__tin__in=list(other_tin),
                    provider__specialty__provider_class__in=PRIMARY_CARE_CLASSES,
                ).values_list("organization__tin", flat=True)
            )
            for c in candidates:
                specialty = specialties.get(c.specialty_code) or (
                    providers[c.npi].specialty if c.npi in providers else None
                )
                if specialty and specialty.provider_class in PRIMARY_CARE_CLASSES:
                    primary_care_tins.add(c.tin)
            years = list(PerformanceYear.objects.filter(program=program).order_by("year"))

    cross = _cross_program_rows(program_code=program.code, key="tin", values=tins)
    # The same for the NPIs, listed under another TIN: the TIN check does not see them.
    cross_npi = _cross_program_rows(program_code=program.code, key="npi", values=npis)

    seen: dict[tuple[str, str, str], list[Candidate]] = defaultdict(list)
    results: list[CandidateResult] = []
    for c in candidates:
        result = CandidateResult(candidate=c)
        results.append(result)
        if c.role == ParticipationRole.PREFERRED and not program.has_preferred_providers:
            result.errors.append(
                (
                    "role",
                    f"{program.name} has no preferred providers: list {c.label} with role participant.",
                )
            )

        # Same TIN/NPI/CCN already in this entity.
        for row in own.get(c.key, []):
            if allow_update and row.start_date == c.start_date:
                result.existing = row
                if row.role == c.role and row.end_date == c.end_date:
                    result.action = "unchanged"
                else:
                    result.action = "update"
                    if row.end_date != c.end_date:
                        result.changes.append(
                            f"effective end {row.end_date or 'open'} becomes {c.end_date or 'open'}"
                        )
                    if row.role != c.role:
                        result.changes.append(f"role {row.role} becomes {c.role}")
                continue
            if row.start_date == c.start_date and row.role == c.role and row.end_date == c.end_date:
                result.existing, result.action = row, "unchanged"
                continue
            if overlaps(row.start_date, row.end_date, c.start_date, c.end_date):
                result.errors.append(
                    (
                        "start_date",
                        f"{c.label} is already on the list from {period_text(row.start_date, row.end_date)}; "
                        f"periods of the same TIN/NPI/CCN cannot overlap. End the existing period first.",
                    )
                )
        for earlier in seen[c.key]:
            if overlaps(earlier.start_date, earlier.end_date, c.start_date, c.end_date):
                where = f"line {earlier.line}" if earlier.line else "another row"
                result.errors.append(
                    (
                        "start_date",
                        f"{c.label} also appears on {where} with an overlapping period "
                        f"({period_text(earlier.start_date, earlier.end_date)}).",
                    )
                )
        seen[c.key].append(c)

        # ACO REACH: an NPI is a participant of one entity at a time.
        if c.npi and c.role == ParticipationRole.PARTICIPANT:
            for row in other_npi.get(c.npi, []):
                if overlaps(row.start_date, row.end_date, c.start_date, c.end_date):
                    result.errors.append(
                        (
                            "npi",
                            f"NPI {c.npi} is already a participant of {row.entity.legal_name} "
                            f"({row.entity.cms_id}) from {period_text(row.start_date, row.end_date)}. "
                            f"In {program.name} an NPI can be a participant of only one entity at a time.",
                        )
                    )
                    break

        # MSSP: a TIN billing primary care is in one ACO per performance year.
        if c.tin in primary_care_tins:
            for row in other_tin.get(c.tin, []):
                shared = [
                    py.year
                    for py in years
                    if overlaps(py.start_date, py.end_date, c.start_date, c.end_date)
                    and overlaps(py.start_date, py.end_date, row.start_date, row.end_date)
                ]
                if shared:
                    result.errors.append(
                        (
                            "tin",
                            f"TIN {c.tin} bills primary care and is already on the participant list of "
                            f"{row.entity.legal_name} ({row.entity.cms_id}) for performance year "
                            f"{shared[0]}. In {program.name} such a TIN can be in only one entity per "
                            f"performance year.",
                        )
                    )
                    break

        _check_cross_program(result, program_code=program.code, rows=cross.get(c.tin, []))
        _check_cross_program_npi(result, rows=cross_npi.get(c.npi, []) if c.npi else [])

        # Changes to the national registries (TIN names, provider specialty and name).
        provider = providers.get(c.npi)
        if provider and c.specialty_code and provider.specialty_id != c.specialty_code:
            before = str(provider.specialty) if provider.specialty_id else "none"
            result.warnings.append(
                f"NPI {c.npi}: specialty changes from {before} to {specialties[c.specialty_code]}."
            )
        if provider and c.provider_name and provider.name != c.provider_name:
            result.warnings.append(
                f"NPI {c.npi}: name changes from '{provider.name}' to '{c.provider_name}'."
            )
        org = organizations.get(c.tin)
        if org and c.tin_legal_name and org.legal_name != c.tin_legal_name:
            result.warnings.append(
                f"TIN {c.tin}: legal name changes from '{org.legal_name}' to '{c.tin_legal_name}'."
            )
    return results


def _other_side(program_code: str) -> QuerySet[Participation] | None:
    """Participations of the programs on the other side of 42 CFR 425.114 from this one: the
    Innovation Center shared savings models for the Shared Savings Program, and the reverse."""
    if program_code == SHARED_SAVINGS_PROGRAM:
        return Participation.objects.filter(entity__program__code__in=SHARED_SAVINGS_MODELS)
    if program_code in SHARED_SAVINGS_MODELS:
        return Participation.objects.filter(entity__program__code=SHARED_SAVINGS_PROGRAM)
    return None


def _cross_program_rows(
    *, program_code: str, key: str, values: set[str]
) -> dict[str, list[Participation]]:
    """The other side of 42 CFR 425.114 for these TINs (`key` "tin") or NPIs ("npi"): their rows
    in Innovation Center shared savings models when the entity is a Shared Savings Program ACO,
    and the reverse; by TIN or NPI."""
    other = _other_side(program_code)
    if other is None or not values:
        return {}
    path = {"tin": "organization__tin", "npi": "provider__npi"}[key]
    found: dict[str, list[Participation]] = defaultdict(list)
    for row in other.filter(**{f"{path}__in": values}).select_related(
        "entity__program", "organization", "provider"
    ):
        npi = row.provider.npi if row.provider is not None else ""
        found[row.organization.tin if key == "tin" else npi].append(row)
    return found


def _check_cross_program(
    result: CandidateResult, *, program_code: str, rows: list[Participation]
) -> None:
    """A TIN on a Shared Savings Program ACO's list and a Participant Provider TIN of an
    Innovation Center shared savings model in the same period is refused; as a Preferred
    Provider of the model, it is a warning (the rule speaks of participating in the model, and
    whether CMS counts a Preferred Provider so is not in the sources we follow)."""
    c = result.candidate
    for row in rows:
        if not overlaps(row.start_date, row.end_date, c.start_date, c.end_date):
            continue
        model_role = c.role if program_code in SHARED_SAVINGS_MODELS else row.role
        other = f"{row.entity.legal_name} ({row.entity.cms_id}, {row.entity.program.name})"
        period = period_text(row.start_date, row.end_date)
        rule = (
            "A Medicare Shared Savings Program ACO may not include an ACO participant (a TIN) that "
            "participates in a CMS Innovation Center model involving shared savings, such as ACO "
            f"REACH, and CMS denies an application that does ({OVERLAP_RULE})."
        )
        if program_code == SHARED_SAVINGS_PROGRAM:
            listed = (
                f"TIN {c.tin} is on the list of {other} as a {_role_text(row.role)} from {period}."
            )
        else:
            listed = f"TIN {c.tin} is an ACO participant of {other} from {period}."
        if model_role == ParticipationRole.PARTICIPANT:
            result.errors.append(("tin", f"{listed} {rule}"))
            return
        result.warnings.append(
            f"{listed} {rule} As a Preferred Provider it is not used for alignment; whether CMS "
            "counts a Preferred Provider's TIN as participating in the model for this rule is not "
            "stated in the sources this check follows: confirm with CMS before the list is "
            "submitted."
        )


def _check_cross_program_npi(result: CandidateResult, *, rows: list[Participation]) -> None:
    """An NPI listed, in the same period, in the other program under another TIN: a warning.
    ACO REACH identifies its Participant Providers by TIN/NPI, and an MSSP ACO lists its ACO
    providers/suppliers (NPIs) under the TINs of its ACO participants (42 CFR 425.20); 42 CFR
    425.114 is stated for ACO participants, that is TINs, which `_check_cross_program` refuses.
    The model's own program-overlap terms for a clinician (ACO REACH Request for Applications,
    section V.H "Program Overlap", and the Participation Agreement) are not in the sources this
    check follows, so the NPI case is shown for the administrator to resolve, not refused."""
    c = result.candidate
    for row in rows:
        if row.organization.tin == c.tin:
            continue  # the same TIN: the TIN check has judged it
        if not overlaps(row.start_date, row.end_date, c.start_date, c.end_date):
            continue
        other = f"{row.entity.legal_name} ({row.entity.cms_id}, {row.entity.program.name})"
        period = period_text(row.start_date, row.end_date)
        as_what = (
            _role_text(row.role)
            if row.entity.program.code in SHARED_SAVINGS_MODELS
            else "ACO provider/supplier"
        )
        article = "an" if as_what.startswith("A") else "a"
        result.warnings.append(
            f"NPI {c.npi} is also on the list of {other} under TIN {row.organization.tin} as "
            f"{article} {as_what} from {period}. {OVERLAP_RULE} bars an ACO participant (a TIN) "
            "from also participating in a CMS Innovation Center model involving shared savings, "
            "such as ACO REACH; ACO REACH identifies its Participant Providers by TIN/NPI, and an "
            "MSSP ACO provider/supplier bills through an ACO participant's TIN (42 CFR 425.20). "
            "Check the ACO REACH Request for Applications (section V.H, Program Overlap) and "
            "Participation Agreement before the clinician stays on both lists."
        )
        return


def _role_text(role: str) -> str:
    return "Participant Provider" if role == ParticipationRole.PARTICIPANT else "Preferred Provider"


@dataclass
class WriteSummary:
    created: list[Participation] = field(default_factory=list)
    updated: list[Participation] = field(default_factory=list)
    unchanged: int = 0
    organizations_created: int = 0
    organizations_updated: int = 0
    providers_created: int = 0
    providers_updated: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "organizations_created": self.organizations_created,
            "organizations_updated": self.organizations_updated,
            "providers_created": self.providers_created,
            "providers_updated": self.providers_updated,
        }


def write_results(
    *, entity: Entity, results: list[CandidateResult], acting_user: Any, reason: str
) -> WriteSummary:
    """Write checked, error-free results. The caller holds the transaction and the program lock."""
    if any(r.errors for r in results):
        raise ValueError("write_results got rows with errors")
    summary = WriteSummary()
    history = {"default_user": acting_user, "default_change_reason": reason}
    candidates = [r.candidate for r in results]

    # Organisations (TINs).
    organizations = {
        o.tin: o
        for o in ParticipantOrganization.objects.filter(tin__in={c.tin for c in candidates})
    }
    new_orgs: dict[str, ParticipantOrganization] = {}
    changed_orgs: dict[str, ParticipantOrganization] = {}
    for c in candidates:
        org = organizations.get(c.tin) or new_orgs.get(c.tin)
        if org is None:
            new_orgs[c.tin] = ParticipantOrganization(tin=c.tin, legal_name=c.tin_legal_name)
        elif c.tin_legal_name and org.legal_name != c.tin_legal_name:
            org.legal_name = c.tin_legal_name
            if org.pk:
                changed_orgs[c.tin] = org
    if new_orgs:
        bulk_create_with_history(list(new_orgs.values()), ParticipantOrganization, **history)
        organizations.update(
            {o.tin: o for o in ParticipantOrganization.objects.filter(tin__in=list(new_orgs))}
        )
    if changed_orgs:
        bulk_update_with_history(
            list(changed_orgs.values()), ParticipantOrganization, ["legal_name"], **history
        )
    summary.organizations_created, summary.organizations_updated = len(new_orgs), len(changed_orgs)

    # Providers (NPIs).
    npis = {c.npi for c in candidates if c.npi}
    providers = {p.npi: p for p in Provider.objects.filter(npi__in=npis)}
    new_providers: dict[str, Provider] = {}
    changed_providers: dict[str, Provider] = {}
    for c in candidates:
        if not c.npi:
            continue
        provider = providers.get(c.npi) or new_providers.get(c.npi)
        if provider is None:
            new_providers[c.npi] = Provider(
                npi=c.npi, name=c.provider_name, specialty_id=c.specialty_code or None
            )
            continue
        changed = False
        if c.specialty_code and provider.specialty_id != c.specialty_code:
            provider.specialty_id, changed = c.specialty_code, True
        if c.provider_name and provider.name != c.provider_name:
            provider.name, changed = c.provider_name, True
        if changed and provider.pk:
            changed_providers[c.npi] = provider
    if new_providers:
        bulk_create_with_history(list(new_providers.values()), Provider, **history)
        providers.update({p.npi: p for p in Provider.objects.filter(npi__in=list(new_providers))})
    if changed_providers:
        bulk_update_with_history(
            list(changed_providers.values()), Provider, ["specialty", "name"], **history
        )
    summary.providers_created, summary.providers_updated = (
        len(new_providers),
        len(changed_providers),
    )

    # Participations.
    for r in results:
        c = r.candidate
        if r.action == "unchanged":
            summary.unchanged += 1
        elif r.action == "update" and r.existing is not None:
            r.existing.role, r.existing.end_date = c.role, c.end_date
            r.existing.updated_at = timezone.now()
            summary.updated.append(r.existing)
        else:
            summary.created.append(
                Participation(
                    entity=entity,
                    organization=organizations[c.tin],
                    provider=providers[c.npi] if c.npi else None,
                    ccn=c.ccn,
                    role=c.role,
                    start_date=c.start_date,
                    end_date=c.end_date,
                )
            )
    if summary.updated:
        bulk_update_with_history(
            summary.updated, Participation, ["role", "end_date", "updated_at"], **history
        )
    if summary.created:
        summary.created = bulk_create_with_history(
            summary.created, Participation, batch_size=500, **history
        )
    return summary
